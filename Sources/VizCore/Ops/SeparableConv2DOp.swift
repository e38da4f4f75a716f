/// Keras `SeparableConv2D`: a depthwise convolution (no bias) followed by a pointwise 1×1
/// convolution with the layer's bias. The gradient recomputes the depthwise output rather than
/// keeping it between passes. Both halves keep channel blocks, so the composite does too.
public final class SeparableConv2DOp: Op, ChannelBlocksOp {
    public let depthwise: DepthwiseConv2DOp
    public let pointwise: Conv2DOp

    /// `depthwiseKernel` (kh, kw, in, multiplier), `pointwiseKernel` (1, 1, in · multiplier, filters).
    public init(
        depthwiseKernel: Tensor, pointwiseKernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1),
        dilation: (Int, Int) = (1, 1), padding: Padding
    ) {
        depthwise = DepthwiseConv2DOp(
            kernel: depthwiseKernel, bias: nil, strides: strides, dilation: dilation,
            padding: padding)
        pointwise = Conv2DOp(kernel: pointwiseKernel, bias: bias, padding: .valid)
    }

    public var kind: String { "SeparableConv2D" }
    public var parameterCount: Int { depthwise.parameterCount + pointwise.parameterCount }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try pointwise.outputShape(for: [try depthwise.outputShape(for: inputShapes)])
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        forwardKeepingLayout(inputs).standardized()
    }

    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        inputGradientsKeepingLayout(inputs, output: output, outputGradient: outputGradient).map { $0.standardized() }
    }

    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor {
        pointwise.forwardKeepingLayout([depthwise.forwardKeepingLayout(inputs)])
    }

    func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let middle = depthwise.forwardKeepingLayout(inputs)
        let middleGradient = pointwise.inputGradientsKeepingLayout(
            [middle], output: output,
            outputGradient: outputGradient)
        return depthwise.inputGradientsKeepingLayout(
            inputs, output: middle,
            outputGradient: middleGradient[0].relaidOut(middle.layout))
    }
}
