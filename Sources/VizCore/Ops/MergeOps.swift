/// Elementwise sum of equally shaped inputs (Keras `Add`).
public final class AddOp: Op {
    public init() {}

    public var kind: String { "Add" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard let first = inputShapes.first, inputShapes.count >= 2 else { throw VizError("Add needs two or more inputs") }
        for shape in inputShapes.dropFirst() where !MergeShapes.compatible(shape, first) {
            throw VizError("Add inputs differ in shape: \(ShapeCheck.describe(first)) and \(ShapeCheck.describe(shape))")
        }
        return first
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        out.scalars.withUnsafeMutableBufferPointer { y in
            for input in inputs.dropFirst() {
                input.scalars.withUnsafeBufferPointer { x in for i in y.indices { y[i] += x[i] } }
            }
        }
        return out
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        Array(repeating: outputGradient, count: inputs.count)
    }
}

/// Inputs joined along one axis (Keras `Concatenate`); `axis` counts the batch axis, negative from the end.
public final class ConcatenateOp: Op {
    public let axis: Int

    public init(axis: Int) { self.axis = axis }

    public var kind: String { "Concatenate" }

    private func resolvedAxis(rank: Int) -> Int { axis < 0 ? axis + rank : axis }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard let first = inputShapes.first, inputShapes.count >= 2 else {
            throw VizError("Concatenate needs two or more inputs")
        }
        let axis = resolvedAxis(rank: first.count)
        guard axis >= 1, axis < first.count else { throw VizError("Concatenate axis \(self.axis) is out of range") }
        var out = first
        for shape in inputShapes.dropFirst() {
            var a = shape
            var b = first
            guard a.count == b.count else { throw VizError("Concatenate inputs differ in rank") }
            a[axis] = 0
            b[axis] = 0
            guard MergeShapes.compatible(a, b) else {
                throw VizError(
                    "Concatenate inputs differ outside axis \(self.axis): "
                        + "\(ShapeCheck.describe(first)) and \(ShapeCheck.describe(shape))")
            }
            out[axis] = (out[axis] < 0 || shape[axis] < 0) ? -1 : out[axis] + shape[axis]
        }
        return out
    }

    /// (outer, inner) block sizes: the axis splits each tensor into `outer` blocks of `size·inner` scalars.
    private func blocks(_ shape: [Int], axis: Int) -> (outer: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let axis = resolvedAxis(rank: inputs[0].rank)
        var shape = inputs[0].shape
        shape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
        let (outer, inner) = blocks(shape, axis: axis)
        var scalars = [Float]()
        scalars.reserveCapacity(shape.reduce(1, *))
        for block in 0..<outer {
            for input in inputs {
                let width = input.shape[axis] * inner
                scalars.append(contentsOf: input.scalars[(block * width)..<((block + 1) * width)])
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let axis = resolvedAxis(rank: output.rank)
        let (outer, inner) = blocks(output.shape, axis: axis)
        var grads = inputs.map { [Float](repeating: 0, count: $0.shape.reduce(1, *)) }
        var offset = 0
        for block in 0..<outer {
            for (index, input) in inputs.enumerated() {
                let width = input.shape[axis] * inner
                grads[index].replaceSubrange(
                    (block * width)..<((block + 1) * width),
                    with: outputGradient.scalars[offset..<(offset + width)])
                offset += width
            }
        }
        return zip(inputs, grads).map { Tensor(shape: $0.shape, scalars: $1) }
    }
}

enum MergeShapes {
    /// Equal where both are known.
    static func compatible(_ a: [Int], _ b: [Int]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 < 0 || $1 < 0 || $0 == $1 }
    }

    /// The shape two equal-rank shapes broadcast to (a size 1 repeats to the other's size), or nil
    /// if they do not; `-1` (unknown) matches anything.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        guard a.count == b.count else { return nil }
        var shape: [Int] = []
        for (x, y) in zip(a, b) {
            if x == y || y == 1 {
                shape.append(x)
            } else if x == 1 {
                shape.append(y)
            } else if x < 0 || y < 0 {
                shape.append(max(x, y))
            } else {
                return nil
            }
        }
        return shape
    }
}
