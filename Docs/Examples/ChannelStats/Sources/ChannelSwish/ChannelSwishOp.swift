import Foundation
import VizCore

/// Swish with a learnable slope per channel (Swish-β, Ramachandran et al. 2017):
/// `y = x · σ(β_c · x)`, where c is the channel (the last axis) and σ the logistic sigmoid.
/// One β for every channel when the layer was built with `per_channel=False`.
public final class ChannelSwishOp: Op {
    public let kind = "ChannelSwish"
    /// One slope per channel, or a single one for all.
    public let beta: [Float]

    public init(beta: [Float]) {
        self.beta = beta
    }

    public var parameterCount: Int { beta.count }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else { throw VizError("\(kind) takes one input, got \(inputShapes.count)") }
        let shape = inputShapes[0]
        guard let channels = shape.last, beta.count == 1 || channels == beta.count else {
            throw VizError("\(kind) has \(beta.count) slopes, which do not fit input \(ShapeCheck.describe(shape))")
        }
        return shape
    }

    // MARK: - Forward and input gradient

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        var y = x
        for i in x.scalars.indices {
            y.scalars[i] = x.scalars[i] * Self.sigmoid(slope(at: i) * x.scalars[i])
        }
        return y
    }

    /// `dy/dx = σ(βx) + βx · σ(βx) · (1 − σ(βx))`, times the output gradient.
    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        var dx = outputGradient
        for i in x.scalars.indices {
            let scaled = slope(at: i) * x.scalars[i]
            let s = Self.sigmoid(scaled)
            dx.scalars[i] *= s + scaled * s * (1 - s)
        }
        return [dx]
    }

    /// β of the channel that flat index `i` of a channels-last tensor belongs to.
    private func slope(at i: Int) -> Float {
        beta[i % beta.count]
    }

    private static func sigmoid(_ value: Float) -> Float {
        1 / (1 + exp(-value))
    }
}
