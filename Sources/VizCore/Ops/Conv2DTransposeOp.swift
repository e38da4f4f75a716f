/// Transposed convolution (Keras `Conv2DTranspose`, ONNX `ConvTranspose`): each input pixel
/// scatters `x[i] · W[:, :, o, i]` over a window at `(y·stride, x·stride)`, and the output is that
/// buffer cropped: by TensorFlow's padding for `valid` and `same` (FORMATS.md §3), or by the counts
/// of explicit padding (ONNX's `pads`), with `outputPadding` rows and columns added at the
/// bottom/right. The kernel is (kh, kw, filters, in).
///
/// It is the input gradient of the convolution from its output back to its input, whose HWIO
/// kernel is this one as it is: so both passes run as that convolution's oneDNN primitives, this
/// op's forward as their backward data and its input gradient as their forward. The reference
/// passes below write both directions as gathers, so output rows (forward) and input rows
/// (gradient) spread over the cores with no two threads writing the same pixel.
public final class Conv2DTransposeOp: Op {
    /// (kh, kw, filters, in)
    public let kernel: Tensor
    public let bias: [Float]?
    public let strides: (h: Int, w: Int)
    public let dilation: (h: Int, w: Int)
    public let padding: Padding
    /// Extra rows and columns at the bottom/right, as Keras's and ONNX's `output_padding`; nil for
    /// Keras's default.
    public let outputPadding: (h: Int, w: Int)?
    /// The primitives of the convolution this op transposes.
    private let backends: ConvolutionBackends

    public init(
        kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
        padding: Padding, outputPadding: (Int, Int)? = nil
    ) {
        precondition(kernel.rank == 4, "Conv2DTranspose kernel must be (kh, kw, filters, in)")
        precondition(bias == nil || bias!.count == kernel.shape[2], "Conv2DTranspose bias must have one value per filter")
        self.kernel = kernel
        self.bias = bias
        self.strides = strides
        self.dilation = dilation
        if case .explicit(let pads) = padding {
            precondition(!pads.ceilMode, "Conv2DTranspose has no ceil_mode")
        }
        self.padding = padding
        self.outputPadding = outputPadding.map { (h: $0.0, w: $0.1) }
        backends = ConvolutionBackends(
            window: Window2D(
                kernel: (kernel.shape[0], kernel.shape[1]), strides: strides,
                dilation: dilation, padding: padding),
            inChannels: kernel.shape[2], filters: kernel.shape[3], groups: 1, hasBias: false)
    }

    public var kind: String { "Conv2DTranspose" }
    public var parameterCount: Int { kernel.count + (bias?.count ?? 0) }
    var filters: Int { kernel.shape[2] }
    var inChannels: Int { kernel.shape[3] }

    /// Output length and rows cropped before, along one axis of input length `size`.
    private func geometry(axis: Int, size: Int, kernel: Int, stride: Int, dilation: Int, outputPadding: Int?) -> (
        output: Int, cropBefore: Int
    ) {
        let effective = (kernel - 1) * dilation + 1
        if case .explicit(let pads) = padding {
            let (before, after) = axis == 0 ? (pads.top, pads.bottom) : (pads.left, pads.right)
            return ((size - 1) * stride + effective + (outputPadding ?? 0) - before - after, before)
        }
        let output: Int
        if let outputPadding {
            output = (size - 1) * stride + (padding == .same ? effective % 2 : effective) + outputPadding
        } else {
            output = padding == .same ? size * stride : size * stride + max(effective - stride, 0)
        }
        guard padding == .same else { return (output, 0) }
        return (output, max((size - 1) * stride + effective - output, 0) / 2)
    }

    private struct Plan {
        var inHeight, inWidth, outHeight, outWidth, cropTop, cropLeft: Int
    }

    private func plan(height: Int, width: Int) -> Plan {
        let rows = geometry(
            axis: 0, size: height, kernel: kernel.shape[0], stride: strides.h, dilation: dilation.h,
            outputPadding: outputPadding?.h)
        let columns = geometry(
            axis: 1, size: width, kernel: kernel.shape[1], stride: strides.w, dilation: dilation.w,
            outputPadding: outputPadding?.w)
        return Plan(
            inHeight: height, inWidth: width, outHeight: rows.output, outWidth: columns.output,
            cropTop: rows.cropBefore, cropLeft: columns.cropBefore)
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        guard input[3] == inChannels else {
            throw VizError("Conv2DTranspose kernel expects \(inChannels) input channels, got \(input[3])")
        }
        let plan = plan(height: max(input[1], 1), width: max(input[2], 1))
        guard input[1] < 0 || plan.outHeight > 0, input[2] < 0 || plan.outWidth > 0 else {
            throw VizError(
                "Conv2DTranspose padding '\(padding.rawValue)' crops away its whole output for input "
                    + ShapeCheck.describe(input))
        }
        return [input[0], input[1] < 0 ? -1 : plan.outHeight, input[2] < 0 ? -1 : plan.outWidth, filters]
    }

    /// The transposed convolution's primitives for an input of `shape`, or nil when oneDNN cannot express them.
    func backend(for shape: [Int]) -> DNNLConvolution? {
        guard shape.allSatisfy({ $0 > 0 }) else { return nil }
        let plan = plan(height: shape[1], width: shape[2])
        // The convolution runs from this op's output (its input) to this op's input (its output).
        return backends.backend(
            batch: shape[0],
            plan: Window2D.Plan(
                inHeight: plan.outHeight, inWidth: plan.outWidth, outHeight: plan.inHeight, outWidth: plan.inWidth,
                padTop: plan.cropTop, padLeft: plan.cropLeft, window: backends.window))
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        Parallelism.applyToBackend()
        guard let backend = backend(for: x.shape),
            var out = kernel.scalars.withUnsafeBufferPointer({ backend.backwardData(x, weights: $0.baseAddress!) })?
                .standardized()
        else { return forwardReference(inputs) }
        if let bias { BiasAdd.add(bias, to: &out) }
        return out
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        Parallelism.applyToBackend()
        let dx = backend(for: inputs[0].shape).flatMap { backend in
            kernel.scalars.withUnsafeBufferPointer { backend.forward(outputGradient, weights: $0.baseAddress!, bias: nil) }
        }
        return dx.map { [$0.standardized()] } ?? inputGradientsReference(inputs, output: output, outputGradient: outputGradient)
    }

    // MARK: - Reference passes

    /// The input index that kernel tap `k` brings to output index `o`, if any.
    @inline(__always)
    private static func source(_ o: Int, _ k: Int, crop: Int, stride: Int, dilation: Int, size: Int) -> Int? {
        let position = o + crop - k * dilation
        guard position >= 0, position % stride == 0, position / stride < size else { return nil }
        return position / stride
    }

    func forwardReference(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let plan = plan(height: x.shape[1], width: x.shape[2])
        let (batch, filters, channels) = (x.shape[0], self.filters, inChannels)
        let (kh, kw) = (kernel.shape[0], kernel.shape[1])
        let (strides, dilation) = (self.strides, self.dilation)
        var out = Tensor(zeros: [batch, plan.outHeight, plan.outWidth, filters])
        x.scalars.withUnsafeBufferPointer { input in
            kernel.scalars.withUnsafeBufferPointer { weights in
                out.scalars.withUnsafeMutableBufferPointer { output in
                    let output = output
                    Parallelism.forEach(batch * plan.outHeight) { outRow in
                        let (n, oy) = outRow.quotientAndRemainder(dividingBy: plan.outHeight)
                        for ox in 0..<plan.outWidth {
                            let target = output.baseAddress! + (outRow * plan.outWidth + ox) * filters
                            if let bias { target.update(from: bias, count: filters) }
                            for ky in 0..<kh {
                                guard
                                    let iy = Self.source(
                                        oy, ky, crop: plan.cropTop, stride: strides.h,
                                        dilation: dilation.h, size: plan.inHeight)
                                else { continue }
                                for kx in 0..<kw {
                                    guard
                                        let ix = Self.source(
                                            ox, kx, crop: plan.cropLeft, stride: strides.w,
                                            dilation: dilation.w, size: plan.inWidth)
                                    else { continue }
                                    let pixel = input.baseAddress! + ((n * plan.inHeight + iy) * plan.inWidth + ix) * channels
                                    let tap = weights.baseAddress! + (ky * kw + kx) * filters * channels
                                    for o in 0..<filters {
                                        var sum: Float = 0
                                        for c in 0..<channels { sum += pixel[c] * tap[o * channels + c] }
                                        target[o] += sum
                                    }
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
        let plan = plan(height: x.shape[1], width: x.shape[2])
        let (batch, filters, channels) = (x.shape[0], self.filters, inChannels)
        let (kh, kw) = (kernel.shape[0], kernel.shape[1])
        var dx = Tensor(zeros: x.shape)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            kernel.scalars.withUnsafeBufferPointer { weights in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    let dxBuffer = dxBuffer
                    Parallelism.forEach(batch * plan.inHeight) { inRow in
                        let (n, iy) = inRow.quotientAndRemainder(dividingBy: plan.inHeight)
                        for ix in 0..<plan.inWidth {
                            let target = dxBuffer.baseAddress! + (inRow * plan.inWidth + ix) * channels
                            for ky in 0..<kh {
                                let oy = iy * strides.h + ky * dilation.h - plan.cropTop
                                guard oy >= 0, oy < plan.outHeight else { continue }
                                for kx in 0..<kw {
                                    let ox = ix * strides.w + kx * dilation.w - plan.cropLeft
                                    guard ox >= 0, ox < plan.outWidth else { continue }
                                    let gradient = dy.baseAddress! + ((n * plan.outHeight + oy) * plan.outWidth + ox) * filters
                                    let tap = weights.baseAddress! + (ky * kw + kx) * filters * channels
                                    for o in 0..<filters {
                                        let g = gradient[o]
                                        for c in 0..<channels { target[c] += g * tap[o * channels + c] }
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
