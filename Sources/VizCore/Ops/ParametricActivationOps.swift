import Foundation

// MARK: - ReLU

/// Keras's general rectifier (the `ReLU`, `LeakyReLU` and `ThresholdedReLU` layers):
/// `y = clip(x > t ? x : 0, 0, max) − slope · relu(t − x)`, the clip only with a `maxValue`.
///
/// The gradient at the kinks follows the TensorFlow ops Keras composes it from: with only a slope
/// it is `leaky_relu` (slope at 0); with t = 0 and max 6 it is `relu6` (0 at 0 and 6); otherwise
/// `relu` or `x · (x > t)` (0 at t) then `clip_by_value` (passes at its bounds).
public final class ReLUOp: RectifierOp {
    public let kind: String
    public let maxValue: Float?
    public let negativeSlope: Float
    public let threshold: Float

    public init(maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0, kind: String = "ReLU") {
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
        self.kind = kind
    }

    /// A leaky form passes negative inputs, so it is no gate (Captum guides only `nn.ReLU`).
    public var rectifies: Bool { negativeSlope == 0 }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try ShapeCheck.single(inputShapes, kind)
    }

    private var isLeaky: Bool { negativeSlope != 0 && maxValue == nil && threshold == 0 }

    @inline(__always) private func value(_ x: Float) -> Float {
        var positive = x > threshold ? x : 0
        if let maxValue { positive = min(max(positive, 0), maxValue) }
        return positive - negativeSlope * max(threshold - x, 0)
    }

    @inline(__always) private func derivative(_ x: Float) -> Float {
        if isLeaky { return x > 0 ? 1 : negativeSlope }
        var positive: Float = x > threshold ? 1 : 0
        if let maxValue {
            if threshold == 0, maxValue == 6 {
                positive = x > 0 && x < 6 ? 1 : 0
            } else if x > maxValue || x < 0 {
                positive = 0
            }
        }
        return positive + (x < threshold ? negativeSlope : 0)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        out.scalars.withUnsafeMutableBufferPointer { y in
            Elementwise.forEachChunk(y.count) { range in for i in range { y[i] = value(y[i]) } }
        }
        return out
    }

    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        inputs[0].scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { g in
                Elementwise.forEachChunk(g.count) { range in for i in range { g[i] *= derivative(x[i]) } }
            }
        }
        return [dx]
    }
}

// MARK: - ELU

/// The `ELU` layer: `x` for x > 0, else `α(eˣ − 1)`. Keras scales TensorFlow's elu by α where
/// x ≤ 0, so the gradient at 0 is α.
public final class ELUOp: Op {
    public let alpha: Float

    public init(alpha: Float) { self.alpha = alpha }

    public var kind: String { "ELU" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try ShapeCheck.single(inputShapes, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        let alpha = self.alpha
        out.scalars.withUnsafeMutableBufferPointer { y in
            Elementwise.forEachChunk(y.count) { range in
                for i in range where !(y[i] > 0) { y[i] = alpha * Foundation.expm1(y[i]) }
            }
        }
        return out
    }

    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        let alpha = self.alpha
        inputs[0].scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { g in
                Elementwise.forEachChunk(g.count) { range in
                    for i in range where !(x[i] > 0) { g[i] *= alpha * Foundation.exp(x[i]) }
                }
            }
        }
        return [dx]
    }
}

// MARK: - PReLU

/// The `PReLU` layer: `x` for x > 0, else `α ⊙ x` with a learned α per item element, shared
/// (size 1) along the layer's `shared_axes`. Keras computes `relu(x) − α · relu(−x)`, so the
/// gradient at 0 is 0.
public final class PReLUOp: Op {
    /// The item's rank (no batch axis); size 1 along shared axes.
    public let alpha: Tensor

    public init(alpha: Tensor) { self.alpha = alpha }

    public var kind: String { "PReLU" }
    public var parameterCount: Int { alpha.count }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard Broadcast.fits(alpha.shape, item: Array(shape.dropFirst())) else {
            throw VizError(
                "PReLU alpha of shape \(ShapeCheck.describe(alpha.shape)) does not fit input "
                    + ShapeCheck.describe(shape))
        }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        let slopes = Broadcast.expand(alpha, toItem: Array(out.shape.dropFirst()))
        out.scalars.withUnsafeMutableBufferPointer { y in
            for i in y.indices where y[i] < 0 { y[i] *= slopes[i % slopes.count] }
        }
        return out
    }

    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        let slopes = Broadcast.expand(alpha, toItem: Array(dx.shape.dropFirst()))
        let x = inputs[0].scalars
        dx.scalars.withUnsafeMutableBufferPointer { g in
            for i in g.indices where !(x[i] > 0) { g[i] *= x[i] < 0 ? slopes[i % slopes.count] : 0 }
        }
        return [dx]
    }
}
