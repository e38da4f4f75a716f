/// Mean or maximum over every axis between the batch and the channels (Keras
/// `GlobalAveragePooling1D/2D`, `GlobalMaxPooling1D/2D`), keeping them as size 1 with `keepDims`.
///
/// The maximum's gradient is shared equally among tied maxima, as TensorFlow's `reduce_max` does.
public final class GlobalPoolOp: Op {
    public let reduction: Pool2DOp.Reduction
    public let keepDims: Bool
    public let kind: String

    public init(_ reduction: Pool2DOp.Reduction, keepDims: Bool, kind: String) {
        self.reduction = reduction
        self.keepDims = keepDims
        self.kind = kind
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard shape.count >= 3 else {
            throw VizError("\(kind) needs a batch, one or more spatial axes and channels, got \(ShapeCheck.describe(shape))")
        }
        return outputShape(shape)
    }

    private func outputShape(_ shape: [Int]) -> [Int] {
        keepDims ? [shape[0]] + Array(repeating: 1, count: shape.count - 2) + [shape.last!] : [shape[0], shape.last!]
    }

    /// (batch, positions per item, channels)
    private func layout(_ shape: [Int]) -> (Int, Int, Int) {
        (shape[0], shape.dropFirst().dropLast().reduce(1, *), shape.last!)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let (batch, positions, channels) = layout(x.shape)
        var out = Tensor(shape: outputShape(x.shape), repeating: reduction == .max ? -.infinity : 0)
        for n in 0..<batch {
            for p in 0..<positions {
                let source = (n * positions + p) * channels
                for c in 0..<channels {
                    let value = x.scalars[source + c]
                    switch reduction {
                    case .max: out.scalars[n * channels + c] = max(out.scalars[n * channels + c], value)
                    case .average: out.scalars[n * channels + c] += value
                    }
                }
            }
        }
        if reduction == .average {
            let scale = 1 / Float(positions)
            for i in out.scalars.indices { out.scalars[i] *= scale }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let (batch, positions, channels) = layout(x.shape)
        var dx = Tensor(zeros: x.shape)
        for n in 0..<batch {
            for c in 0..<channels {
                let g = outputGradient.scalars[n * channels + c]
                switch reduction {
                case .average:
                    for p in 0..<positions { dx.scalars[(n * positions + p) * channels + c] = g / Float(positions) }
                case .max:
                    let best = output.scalars[n * channels + c]
                    let ties = (0..<positions).filter { x.scalars[(n * positions + $0) * channels + c] == best }
                    for p in ties { dx.scalars[(n * positions + p) * channels + c] = g / Float(ties.count) }
                }
            }
        }
        return [dx]
    }
}
