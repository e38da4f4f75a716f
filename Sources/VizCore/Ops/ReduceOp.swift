/// Mean, sum, maximum or minimum over any item axes (ONNX `ReduceMean`, `ReduceSum`, `ReduceMax`,
/// `ReduceMin`: over the channels of an attention map, say), keeping them as size 1 with `keepDims`.
/// `GlobalPoolOp` is the fast form for an image's spatial axes.
///
/// The gradient of a maximum or minimum is shared equally among tied extremes, as `GlobalPoolOp`'s.
public final class ReduceOp: Op {
    public enum Reduction: String, Sendable { case mean, sum, max, min }

    public let reduction: Reduction
    /// Axes reduced over, counting the batch axis (which is never among them).
    public let axes: Set<Int>
    public let keepDims: Bool
    public let kind: String

    public init(_ reduction: Reduction, axes: Set<Int>, keepDims: Bool, kind: String) {
        self.reduction = reduction
        self.axes = axes
        self.keepDims = keepDims
        self.kind = kind
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard !axes.isEmpty, axes.allSatisfy({ $0 >= 1 && $0 < shape.count }) else {
            throw VizError("\(kind) reduces axes \(axes.sorted()) of \(ShapeCheck.describe(shape)) (the batch axis stays)")
        }
        return reducedShape(shape)
    }

    private func reducedShape(_ shape: [Int]) -> [Int] {
        keepDims ? keptShape(shape) : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }

    /// The input's shape with the reduced axes set to 1.
    private func keptShape(_ shape: [Int]) -> [Int] {
        shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    }

    /// For each input element (row-major), the output element it reduces into.
    private func targets(_ shape: [Int]) -> [Int] {
        let kept = keptShape(shape)
        var strides = [Int](repeating: 0, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = axes.contains(axis) ? 0 : step
            step *= kept[axis]
        }
        var targets = [Int](repeating: 0, count: shape.reduce(1, *))
        var target = StridedOffset(shape: shape, strides: strides)
        for element in targets.indices {
            targets[element] = target.offset
            target.advance()
        }
        return targets
    }

    /// How many input elements each output element reduces.
    private func count(_ shape: [Int]) -> Float { Float(axes.map { shape[$0] }.reduce(1, *)) }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let kept = keptShape(x.shape)
        let start: Float = reduction == .max ? -.infinity : reduction == .min ? .infinity : 0
        var out = [Float](repeating: start, count: kept.reduce(1, *))
        for (element, target) in targets(x.shape).enumerated() {
            let value = x.scalars[element]
            switch reduction {
            case .mean, .sum: out[target] += value
            case .max: out[target] = max(out[target], value)
            case .min: out[target] = min(out[target], value)
            }
        }
        if reduction == .mean {
            let scale = 1 / count(x.shape)
            for i in out.indices { out[i] *= scale }
        }
        return Tensor(shape: reducedShape(x.shape), scalars: out)
    }

    public var gradientReads: GradientReads { reduction == .sum || reduction == .mean ? .nothing : .everything }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let targets = targets(x.shape)
        let g = outputGradient.scalars
        var dx = Tensor(zeros: x.shape)
        switch reduction {
        case .sum:
            for (element, target) in targets.enumerated() { dx.scalars[element] = g[target] }
        case .mean:
            let scale = 1 / count(x.shape)
            for (element, target) in targets.enumerated() { dx.scalars[element] = g[target] * scale }
        case .max, .min:
            var ties = [Float](repeating: 0, count: output.count)
            for (element, target) in targets.enumerated() where x.scalars[element] == output.scalars[target] {
                ties[target] += 1
            }
            for (element, target) in targets.enumerated() where x.scalars[element] == output.scalars[target] {
                dx.scalars[element] = g[target] / ties[target]
            }
        }
        return [dx]
    }
}
