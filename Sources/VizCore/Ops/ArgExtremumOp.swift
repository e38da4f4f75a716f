/// The index of the largest or smallest value along one axis (ONNX `ArgMax`, `ArgMin`: the class
/// map a segmentation export may end in), as a float; the axis stays as size 1 with `keepDims`.
///
/// The index does not move under a small change of its input (away from ties), so its gradient is
/// zero: a score that depends on a value only through it has no gradient (`Graph.gradientStop`).
public final class ArgExtremumOp: Op {
    public enum Extremum: Sendable { case max, min }

    public let extremum: Extremum
    /// The axis searched, counting the batch axis (which it never is).
    public let axis: Int
    public let keepDims: Bool
    /// Whether a tie gives the last index (ONNX `select_last_index`) rather than the first.
    public let lastOnTies: Bool
    public let kind: String

    public init(_ extremum: Extremum, axis: Int, keepDims: Bool, lastOnTies: Bool, kind: String) {
        self.extremum = extremum
        self.axis = axis
        self.keepDims = keepDims
        self.lastOnTies = lastOnTies
        self.kind = kind
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard axis >= 1, axis < shape.count else {
            throw VizError("\(kind) searches axis \(axis) of \(ShapeCheck.describe(shape)) (the batch axis stays)")
        }
        return reducedShape(shape)
    }

    private func reducedShape(_ shape: [Int]) -> [Int] {
        var shape = shape
        if keepDims { shape[axis] = 1 } else { shape.remove(at: axis) }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let size = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.count / max(1, size * inner)
        var indices = [Float](repeating: 0, count: outer * inner)
        for block in 0..<outer {
            for offset in 0..<inner {
                let first = block * size * inner + offset
                var (best, bestValue) = (0, x.scalars[first])
                for index in stride(from: 1, to: size, by: 1) {
                    let value = x.scalars[first + index * inner]
                    let replaces =
                        switch extremum {
                        case .max: lastOnTies ? value >= bestValue : value > bestValue
                        case .min: lastOnTies ? value <= bestValue : value < bestValue
                        }
                    if replaces { (best, bestValue) = (index, value) }
                }
                indices[block * inner + offset] = Float(best)
            }
        }
        return Tensor(shape: reducedShape(x.shape), scalars: indices)
    }

    public var hasGradient: Bool { false }

    public var gradientReads: GradientReads { .nothing }

    /// Zero everywhere it is defined.
    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [Tensor(zeros: inputs[0].shape)]
    }
}
