/// `x · kernel + bias` over the last axis (Keras `Dense` without its activation).
public final class DenseOp: Op {
    /// (in, out)
    public let kernel: Tensor
    public let bias: [Float]?

    public init(kernel: Tensor, bias: [Float]?) {
        precondition(kernel.rank == 2, "Dense kernel must be (in, out)")
        precondition(bias == nil || bias!.count == kernel.shape[1], "Dense bias must have one value per unit")
        self.kernel = kernel
        self.bias = bias
    }

    public var kind: String { "Dense" }
    public var parameterCount: Int { kernel.count + (bias?.count ?? 0) }
    var inputs: Int { kernel.shape[0] }
    var units: Int { kernel.shape[1] }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind)
        guard input.count >= 2, input.last! == inputs else {
            throw VizError(
                "Dense expects \(inputs) input features, got shape \(ShapeCheck.describe(input))"
                    + (input.last.map { $0 < 0 } == true ? " (set the input size so Flatten's length is known)" : ""))
        }
        return Array(input.dropLast()) + [units]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let rows = x.count / self.inputs
        var out = Tensor(zeros: Array(x.shape.dropLast()) + [units])
        x.scalars.withUnsafeBufferPointer { a in
            kernel.scalars.withUnsafeBufferPointer { b in
                out.scalars.withUnsafeMutableBufferPointer { c in
                    Gemm.multiply(
                        m: rows, n: units, k: self.inputs, a: a.baseAddress!, lda: self.inputs,
                        b: b.baseAddress!, ldb: units, c: c.baseAddress!, ldc: units, accumulate: false)
                }
            }
        }
        if let bias { BiasAdd.add(bias, to: &out) }
        return out
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let rows = outputGradient.count / units
        var dx = Tensor(zeros: inputs[0].shape)
        outputGradient.scalars.withUnsafeBufferPointer { a in
            kernel.scalars.withUnsafeBufferPointer { b in
                dx.scalars.withUnsafeMutableBufferPointer { c in
                    Gemm.multiply(
                        m: rows, n: self.inputs, k: units, a: a.baseAddress!, lda: units,
                        b: b.baseAddress!, ldb: units, transposeB: true, c: c.baseAddress!, ldc: self.inputs,
                        accumulate: false)
                }
            }
        }
        return [dx]
    }
}
