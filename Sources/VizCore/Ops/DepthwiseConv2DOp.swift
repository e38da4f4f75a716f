/// Convolution of each input channel with its own `multiplier` filters (Keras `DepthwiseConv2D`,
/// and the first half of `SeparableConv2D`): output channel `c · multiplier + m` is input channel
/// `c` convolved with `kernel[:, :, c, m]`, plus its bias.
///
/// Runs as oneDNN grouped-convolution primitives (one group per input channel), keeping channel
/// blocks inside a graph like `Conv2DOp`. The reference path is plain loops: the forward spreads
/// output rows over the cores, the input gradient spreads input channels (each thread then writes
/// only its own channels).
public final class DepthwiseConv2DOp: Op, PrimitiveConvolution {
    /// (kh, kw, in, multiplier)
    public let kernel: Tensor
    public let bias: [Float]?
    let window: Window2D
    let backends: ConvolutionBackends

    public init(
        kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
        padding: Padding
    ) {
        precondition(kernel.rank == 4, "DepthwiseConv2D kernel must be (kh, kw, in, multiplier)")
        precondition(
            bias == nil || bias!.count == kernel.shape[2] * kernel.shape[3],
            "DepthwiseConv2D bias must have one value per output channel")
        self.kernel = kernel
        self.bias = bias
        window = Window2D(
            kernel: (kernel.shape[0], kernel.shape[1]), strides: strides, dilation: dilation,
            padding: padding)
        backends = ConvolutionBackends(
            window: window, inChannels: kernel.shape[2],
            filters: kernel.shape[2] * kernel.shape[3], groups: kernel.shape[2],
            hasBias: bias != nil)
    }

    public var kind: String { "DepthwiseConv2D" }
    public var parameterCount: Int { kernel.count + (bias?.count ?? 0) }
    var inChannels: Int { kernel.shape[2] }
    var multiplier: Int { kernel.shape[3] }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        guard input[3] == inChannels else {
            throw VizError("DepthwiseConv2D kernel expects \(inChannels) input channels, got \(input[3])")
        }
        let size = try window.outputSize(height: input[1], width: input[2], kind: kind)
        return [input[0], size.h, size.w, inChannels * multiplier]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        forwardKeepingLayout(inputs).standardized()
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        inputGradientsKeepingLayout(inputs, output: output, outputGradient: outputGradient).map { $0.standardized() }
    }

    // MARK: - Reference path: loops

    func forwardReference(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let (batch, channels, multiplier) = (x.shape[0], inChannels, self.multiplier)
        let outChannels = channels * multiplier
        var out = Tensor(zeros: [batch, plan.outHeight, plan.outWidth, outChannels])
        let (kh, kw) = window.kernel
        x.scalars.withUnsafeBufferPointer { input in
            kernel.scalars.withUnsafeBufferPointer { weights in
                out.scalars.withUnsafeMutableBufferPointer { output in
                    let output = output
                    Parallelism.forEach(batch * plan.outHeight) { outRow in
                        let (n, oy) = outRow.quotientAndRemainder(dividingBy: plan.outHeight)
                        for ox in 0..<plan.outWidth {
                            let target = output.baseAddress! + (outRow * plan.outWidth + ox) * outChannels
                            if let bias { target.update(from: bias, count: outChannels) }
                            for ky in 0..<kh {
                                let iy = plan.inputRow(oy, ky)
                                guard iy >= 0, iy < plan.inHeight else { continue }
                                for kx in 0..<kw {
                                    let ix = plan.inputColumn(ox, kx)
                                    guard ix >= 0, ix < plan.inWidth else { continue }
                                    let source = input.baseAddress! + ((n * plan.inHeight + iy) * plan.inWidth + ix) * channels
                                    let tap = weights.baseAddress! + (ky * kw + kx) * outChannels
                                    for o in 0..<outChannels { target[o] += source[o / multiplier] * tap[o] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    func inputGradientsReference(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let (batch, channels, multiplier) = (x.shape[0], inChannels, self.multiplier)
        let outChannels = channels * multiplier
        var dx = Tensor(zeros: x.shape)
        let (kh, kw) = window.kernel
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            kernel.scalars.withUnsafeBufferPointer { weights in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    let dxBuffer = dxBuffer
                    Parallelism.forEach(channels) { c in
                        for n in 0..<batch {
                            for oy in 0..<plan.outHeight {
                                for ox in 0..<plan.outWidth {
                                    let gradient =
                                        dy.baseAddress! + ((n * plan.outHeight + oy) * plan.outWidth + ox) * outChannels
                                        + c * multiplier
                                    for ky in 0..<kh {
                                        let iy = plan.inputRow(oy, ky)
                                        guard iy >= 0, iy < plan.inHeight else { continue }
                                        for kx in 0..<kw {
                                            let ix = plan.inputColumn(ox, kx)
                                            guard ix >= 0, ix < plan.inWidth else { continue }
                                            let tap = weights.baseAddress! + (ky * kw + kx) * outChannels + c * multiplier
                                            var sum: Float = 0
                                            for m in 0..<multiplier { sum += gradient[m] * tap[m] }
                                            dxBuffer[((n * plan.inHeight + iy) * plan.inWidth + ix) * channels + c] += sum
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return [dx]
    }
}
