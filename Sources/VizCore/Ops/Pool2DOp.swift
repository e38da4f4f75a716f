/// Max or average pooling over NHWC windows (Keras `MaxPooling2D`, `AveragePooling2D`).
///
/// SAME max pooling treats padding as −∞; SAME average pooling divides by the in-bounds count,
/// as TensorFlow does. Max pooling's gradient goes to the first maximum in row-major window order.
/// Channels are independent, so a channel-blocked tensor is pooled as it is stored: each block of
/// channels as an image of its own (`Tensor.storageShape`).
public final class Pool2DOp: Op {
    public enum Reduction: Sendable { case max, average }

    public let reduction: Reduction
    let window: Window2D

    public init(_ reduction: Reduction, poolSize: (Int, Int), strides: (Int, Int), padding: Padding) {
        self.reduction = reduction
        window = Window2D(kernel: (poolSize.0, poolSize.1), strides: strides, padding: padding)
    }

    public var kind: String { reduction == .max ? "MaxPooling2D" : "AveragePooling2D" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        let size = try window.outputSize(height: input[1], width: input[2], kind: kind)
        return [input[0], size.h, size.w, input[3]]
    }

    /// Calls `body(outputPixel, inputPixels)` for every output pixel, with the in-bounds input pixels
    /// of its window in row-major order. Batch items run in parallel: each writes only its own
    /// output and input-gradient pixels, so `body` may write to both.
    private func forEachWindow(_ shape: [Int], _ body: (Int, UnsafeBufferPointer<Int>) -> Void) {
        let (batch, height, width) = (shape[0], shape[1], shape[2])
        let plan = window.plan(height: height, width: width)
        let (kh, kw) = window.kernel
        Parallelism.forEach(batch) { n in
            var taps = [Int](repeating: 0, count: kh * kw)
            taps.withUnsafeMutableBufferPointer { taps in
                var outPixel = n * plan.outHeight * plan.outWidth
                for oy in 0..<plan.outHeight {
                    for ox in 0..<plan.outWidth {
                        var count = 0
                        for ky in 0..<kh {
                            let iy = plan.inputRow(oy, ky)
                            guard iy >= 0, iy < height else { continue }
                            for kx in 0..<kw {
                                let ix = plan.inputColumn(ox, kx)
                                guard ix >= 0, ix < width else { continue }
                                taps[count] = (n * height + iy) * width + ix
                                count += 1
                            }
                        }
                        body(outPixel, UnsafeBufferPointer(rebasing: taps[0..<count]))
                        outPixel += 1
                    }
                }
            }
        }
    }

    private func outShape(_ input: [Int]) -> [Int] {
        let plan = window.plan(height: input[1], width: input[2])
        return [input[0], plan.outHeight, plan.outWidth, input[3]]
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let storage = x.storageShape
        let channels = storage[3]
        var out = Tensor(zeros: outShape(x.shape))
        out.layout = x.layout
        let reduction = self.reduction
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                forEachWindow(storage) { outPixel, taps in
                    let target = output.baseAddress! + outPixel * channels
                    switch reduction {
                    case .max:
                        target.update(repeating: -.infinity, count: channels)
                        for tap in taps {
                            let source = input.baseAddress! + tap * channels
                            for c in 0..<channels where source[c] > target[c] { target[c] = source[c] }
                        }
                    case .average:
                        for tap in taps {
                            let source = input.baseAddress! + tap * channels
                            for c in 0..<channels { target[c] += source[c] }
                        }
                        let scale = 1 / Float(taps.count)
                        for c in 0..<channels { target[c] *= scale }
                    }
                }
            }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let storage = x.storageShape
        let channels = storage[3]
        var dx = Tensor(zeros: x.shape)
        dx.layout = x.layout
        let reduction = self.reduction
        x.scalars.withUnsafeBufferPointer { input in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    forEachWindow(storage) { outPixel, taps in
                        let gradient = dy.baseAddress! + outPixel * channels
                        switch reduction {
                        case .max:
                            for c in 0..<channels {
                                var best = taps[0]
                                for tap in taps.dropFirst() where input[tap * channels + c] > input[best * channels + c] {
                                    best = tap
                                }
                                dxBuffer[best * channels + c] += gradient[c]
                            }
                        case .average:
                            let scale = 1 / Float(taps.count)
                            for tap in taps {
                                let target = dxBuffer.baseAddress! + tap * channels
                                for c in 0..<channels { target[c] += gradient[c] * scale }
                            }
                        }
                    }
                }
            }
        }
        return [dx]
    }
}
