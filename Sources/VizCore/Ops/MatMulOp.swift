/// The product of two computed values, matrix by matrix over their last two axes (ONNX `MatMul`,
/// `torch.matmul` of two activations, as attention blocks use): (…, m, k) · (…, k, n) → (…, m, n).
/// The axes before the last two, batch included, broadcast where one input has size 1.
public final class MatMulOp: Op {
    public init() {}

    public var kind: String { "MatMul" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 2 else { throw VizError("MatMul takes two inputs, got \(inputShapes.count)") }
        let (a, b) = (inputShapes[0], inputShapes[1])
        guard a.count >= 3, a.count == b.count else {
            throw VizError(
                "MatMul needs two inputs of equal rank, 3 or more (batch included), got "
                    + "\(ShapeCheck.describe(a)) and \(ShapeCheck.describe(b))")
        }
        guard MergeShapes.compatible([a.last!], [b[b.count - 2]]),
            let leading = MergeShapes.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)))
        else {
            throw VizError("MatMul cannot multiply \(ShapeCheck.describe(a)) by \(ShapeCheck.describe(b))")
        }
        return leading + [a[a.count - 2], b.last!]
    }

    /// For each matrix of the output, the matrices of `a` and `b` it multiplies (offsets in matrices).
    private func pairs(_ a: [Int], _ b: [Int]) -> [(a: Int, b: Int)] {
        let leading = MergeShapes.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)))!
        var pairs: [(a: Int, b: Int)] = []
        for index in 0..<leading.reduce(1, *) {
            var (rest, aIndex, bIndex, aStride, bStride) = (index, 0, 0, 1, 1)
            for axis in leading.indices.reversed() {
                let position = rest % leading[axis]
                rest /= leading[axis]
                if a[axis] > 1 { aIndex += position * aStride }
                if b[axis] > 1 { bIndex += position * bStride }
                aStride *= a[axis]
                bStride *= b[axis]
            }
            pairs.append((aIndex, bIndex))
        }
        return pairs
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let (a, b) = (inputs[0], inputs[1])
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        let pairs = pairs(a.shape, b.shape)
        var out = Tensor(zeros: MergeShapes.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))! + [m, n])
        a.scalars.withUnsafeBufferPointer { a in
            b.scalars.withUnsafeBufferPointer { b in
                out.scalars.withUnsafeMutableBufferPointer { c in
                    for (index, pair) in pairs.enumerated() {
                        Gemm.multiply(
                            m: m, n: n, k: k, a: a.baseAddress! + pair.a * m * k, lda: k,
                            b: b.baseAddress! + pair.b * k * n, ldb: n, c: c.baseAddress! + index * m * n, ldc: n,
                            accumulate: false)
                    }
                }
            }
        }
        return out
    }

    /// dA = G · Bᵀ and dB = Aᵀ · G, each summed over the matrices an input's broadcast one fed.
    public var gradientReads: GradientReads { .allInputs }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let (a, b) = (inputs[0], inputs[1])
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        var (da, db) = (Tensor(zeros: a.shape), Tensor(zeros: b.shape))
        outputGradient.scalars.withUnsafeBufferPointer { g in
            a.scalars.withUnsafeBufferPointer { a in
                b.scalars.withUnsafeBufferPointer { b in
                    da.scalars.withUnsafeMutableBufferPointer { da in
                        db.scalars.withUnsafeMutableBufferPointer { db in
                            for (index, pair) in pairs(inputs[0].shape, inputs[1].shape).enumerated() {
                                let gradient = g.baseAddress! + index * m * n
                                Gemm.multiply(
                                    m: m, n: k, k: n, a: gradient, lda: n, b: b.baseAddress! + pair.b * k * n, ldb: n,
                                    transposeB: true, c: da.baseAddress! + pair.a * m * k, ldc: k, accumulate: true)
                                Gemm.multiply(
                                    m: k, n: n, k: m, a: a.baseAddress! + pair.a * m * k, lda: k, transposeA: true,
                                    b: gradient, ldb: n, c: db.baseAddress! + pair.b * k * n, ldc: n, accumulate: true)
                            }
                        }
                    }
                }
            }
        }
        return [da, db]
    }
}
