/// Runs a 2-D op on (batch, steps, channels) sequences as images one row high: Keras `Conv1D`,
/// `MaxPooling1D` and `AveragePooling1D` become `Conv2D` and the 2-D poolings with a 1 × k window.
public final class Lift1DOp: Op {
    public let base: Op
    public let kind: String

    /// `base` must act on height-1 images and keep the height at 1 (a window of height 1).
    public init(_ base: Op, kind: String) {
        self.base = base
        self.kind = kind
    }

    public var parameterCount: Int { base.parameterCount }

    private static func image(_ shape: [Int]) -> [Int] { [shape[0], 1, shape[1], shape[2]] }

    private static func sequence(_ shape: [Int]) -> [Int] { [shape[0], shape[2], shape[3]] }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 3)
        return Self.sequence(try base.outputShape(for: [Self.image(input)]))
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let y = base.forward([inputs[0].reshaped(Self.image(inputs[0].shape))])
        return y.reshaped(Self.sequence(y.shape))
    }

    public var gradientReads: GradientReads { base.gradientReads }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0].reshaped(Self.image(inputs[0].shape))
        let y = output.reshaped(Self.image(output.shape))
        let dx = base.inputGradients([x], output: y, outputGradient: outputGradient.reshaped(y.shape))
        return [dx[0].reshaped(inputs[0].shape)]
    }
}
