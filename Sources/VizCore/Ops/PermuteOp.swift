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

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [Transpose.apply(outputGradient, Transpose.inverse(axes))]
    }
}

/// Axis permutations of row-major tensors.
enum Transpose {
    /// Output axis `i` is input axis `axes[i]`.
    static func apply(_ x: Tensor, _ axes: [Int]) -> Tensor {
        if axes == Array(axes.indices) { return x }
        let shape = axes.map { x.shape[$0] }
        var inputStrides = [Int](repeating: 1, count: x.rank)
        for axis in stride(from: x.rank - 2, through: 0, by: -1) {
            inputStrides[axis] = inputStrides[axis + 1] * x.shape[axis + 1]
        }
        let strides = axes.map { inputStrides[$0] }
        var out = [Float](repeating: 0, count: x.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        for target in 0..<x.count {
            out[target] = x.scalars[source]
            // Advance the output index like an odometer, moving the source offset along.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    static func inverse(_ axes: [Int]) -> [Int] {
        var inverse = axes
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return inverse
    }
}
