/// Reorders the item axes (Keras `Permute`): `dims` lists, for each output axis, the input axis it
/// takes, counting from 1 and leaving the batch axis in place, as Keras writes it.
public final class PermuteOp: Op {
    public let dims: [Int]

    public init(dims: [Int]) { self.dims = dims }

    public var kind: String { "Permute" }

    /// The permutation of all axes, batch included.
    private var axes: [Int] { [0] + dims }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard dims.sorted() == Array(1..<shape.count) else {
            throw VizError(
                "Permute dims \(dims) are not a permutation of the item axes 1…\(shape.count - 1) "
                    + "of \(ShapeCheck.describe(shape))")
        }
        return axes.map { shape[$0] }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { Transpose.apply(inputs[0], axes) }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [Transpose.apply(outputGradient, Transpose.inverse(axes))]
    }
}

/// Axis permutations of row-major tensors.
enum Transpose {
    /// Output axis `i` is input axis `axes[i]`.
    ///
    /// The output's last two axes are copied in 16 × 16 tiles, each a strided gather from the input
    /// that stays within a few cache lines (a convolution's OIHW weight read as HWIO would otherwise
    /// touch a new line for every value: weights are transposed at load, over every parameter); the
    /// tiles' start in the input advances like an odometer over the output's other axes.
    static func apply(_ x: Tensor, _ axes: [Int]) -> Tensor {
        if axes == Array(axes.indices) { return x }
        let shape = axes.map { x.shape[$0] }
        var inputStrides = [Int](repeating: 1, count: x.rank)
        for axis in stride(from: x.rank - 2, through: 0, by: -1) {
            inputStrides[axis] = inputStrides[axis + 1] * x.shape[axis + 1]
        }
        let strides = axes.map { inputStrides[$0] }
        guard x.count > 0 else { return Tensor(shape: shape, scalars: []) }
        let outer = shape.count - 2
        let (rows, columns) = (shape[outer], shape[outer + 1])
        let (rowStride, columnStride) = (strides[outer], strides[outer + 1])
        let tile = 16
        let out = [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.scalars.withUnsafeBufferPointer { source in
                var start = StridedOffset(shape: Array(shape[..<outer]), strides: Array(strides[..<outer]))
                for plane in stride(from: 0, to: x.count, by: rows * columns) {
                    for firstRow in stride(from: 0, to: rows, by: tile) {
                        for firstColumn in stride(from: 0, to: columns, by: tile) {
                            for row in firstRow..<min(firstRow + tile, rows) {
                                let (target, origin) = (plane + row * columns, start.offset + row * rowStride)
                                for column in firstColumn..<min(firstColumn + tile, columns) {
                                    out[target + column] = source[origin + column * columnStride]
                                }
                            }
                        }
                    }
                    start.advance()
                }
            }
            initialized = x.count
        }
        return Tensor(shape: shape, scalars: out)
    }

    static func inverse(_ axes: [Int]) -> [Int] {
        var inverse = axes
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return inverse
    }
}
