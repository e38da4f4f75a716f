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

    /// Batch items in parallel; within one, rows of channels accumulate so the channel loop vectorises.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let (batch, positions, channels) = layout(x.shape)
        let reduction = self.reduction
        return Tensor(shape: outputShape(x.shape)) { out in
            x.scalars.withUnsafeBufferPointer { input in
                Parallelism.forEach(batch) { n in
                    let target = out.baseAddress! + n * channels
                    target.update(repeating: reduction == .max ? -.infinity : 0, count: channels)
                    for p in 0..<positions {
                        let source = input.baseAddress! + (n * positions + p) * channels
                        switch reduction {
                        case .max: for c in 0..<channels { target[c] = max(target[c], source[c]) }
                        case .average: for c in 0..<channels { target[c] += source[c] }
                        }
                    }
                    if reduction == .average {
                        let scale = 1 / Float(positions)
                        for c in 0..<channels { target[c] *= scale }
                    }
                }
            }
        }
    }

    public var gradientReads: GradientReads { reduction == .average ? .nothing : .everything }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let (batch, positions, channels) = layout(x.shape)
        let reduction = self.reduction
        return [
            Tensor(shape: x.shape) { dx in
                x.scalars.withUnsafeBufferPointer { input in
                    output.scalars.withUnsafeBufferPointer { best in
                        outputGradient.scalars.withUnsafeBufferPointer { dy in
                            Parallelism.forEach(batch) { n in
                                let gradient = dy.baseAddress! + n * channels
                                switch reduction {
                                case .average:
                                    let scale = 1 / Float(positions)
                                    for p in 0..<positions {
                                        let target = dx.baseAddress! + (n * positions + p) * channels
                                        for c in 0..<channels { target[c] = gradient[c] * scale }
                                    }
                                case .max:
                                    // Count each channel's ties in one pass, then share the gradient among them.
                                    let maxima = best.baseAddress! + n * channels
                                    var ties = [Float](repeating: 0, count: channels)
                                    for p in 0..<positions {
                                        let source = input.baseAddress! + (n * positions + p) * channels
                                        for c in 0..<channels where source[c] == maxima[c] { ties[c] += 1 }
                                    }
                                    for p in 0..<positions {
                                        let source = input.baseAddress! + (n * positions + p) * channels
                                        let target = dx.baseAddress! + (n * positions + p) * channels
                                        for c in 0..<channels { target[c] = source[c] == maxima[c] ? gradient[c] / ties[c] : 0 }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        ]
    }
}
