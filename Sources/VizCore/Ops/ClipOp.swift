/// Limits every value to `[minimum, maximum]` (ONNX `Clip`, PyTorch `hardtanh` and `clamp`).
///
/// The gradient passes strictly inside the bounds and is zero at them, as PyTorch's `hardtanh`
/// (which `ReLU6` exports through) computes it.
public final class ClipOp: RectifierOp {
    public let minimum: Float
    public let maximum: Float

    public init(minimum: Float = -.infinity, maximum: Float = .infinity) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public var kind: String { "Clip" }

    /// A clip at 0 from below is a capped ReLU (ONNX's export of `ReLU6`).
    public var rectifies: Bool { minimum == 0 }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try ShapeCheck.single(inputShapes, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        let (low, high) = (minimum, maximum)
        out.scalars.withUnsafeMutableBufferPointer { y in
            Elementwise.forEachChunk(y.count) { range in for i in range { y[i] = min(max(y[i], low), high) } }
        }
        return out
    }

    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        let (low, high) = (minimum, maximum)
        inputs[0].scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { g in
                Elementwise.forEachChunk(g.count) { range in
                    for i in range where !(x[i] > low && x[i] < high) { g[i] = 0 }
                }
            }
        }
        return [dx]
    }
}
