/// Max or average pooling over NHWC windows (Keras `MaxPooling2D`, `AveragePooling2D`).
///
/// SAME max pooling treats padding as −∞; SAME average pooling divides by the in-bounds count,
/// as TensorFlow does. Max pooling's gradient goes to the first maximum in row-major window order.
/// Both passes run as oneDNN primitives (`DNNLPooling`) on the input's own layout; the plain-Swift
/// reference passes below serve the shapes oneDNN cannot express, and the tests compare the two.
/// Channels are independent, so the reference pools a channel-blocked tensor as it is stored: each
/// block of channels as an image of its own (`Tensor.storageShape`).
public final class Pool2DOp: Op {
    public enum Reduction: Sendable { case max, average }

    public let reduction: Reduction
    let window: Window2D
    private let backends = PrimitiveCache<DNNLPooling.Geometry, DNNLPooling>()

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

    /// The primitives for `x`'s shape and layout, or nil when oneDNN cannot express them.
    func backend(for x: Tensor) -> DNNLPooling? {
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        guard x.shape.allSatisfy({ $0 > 0 }), plan.outHeight > 0, plan.outWidth > 0 else { return nil }
        let geometry = DNNLPooling.Geometry(
            batch: x.shape[0], channels: x.shape[3], height: x.shape[1], width: x.shape[2],
            outHeight: plan.outHeight, outWidth: plan.outWidth, kernelHeight: window.kernel.h,
            kernelWidth: window.kernel.w, strideHeight: window.strides.h, strideWidth: window.strides.w,
            padTop: plan.padTop, padLeft: plan.padLeft, padBottom: plan.padBottom, padRight: plan.padRight,
            isMax: reduction == .max, layout: x.layout)
        return backends.primitives(for: geometry) { DNNLPooling($0) }
    }

    /// The output in the input's layout.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        Parallelism.applyToBackend()
        return backend(for: inputs[0])?.forward(inputs[0]) ?? forwardReference(inputs)
    }

    /// The input gradient in the input's layout (`outputGradient` in the output's).
    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        Parallelism.applyToBackend()
        let x = inputs[0]
        let dy = outputGradient.relaidOut(x.layout)
        return backend(for: x)?.backwardData(x, outputGradient: dy).map { [$0] }
            ?? inputGradientsReference(inputs, output: output, outputGradient: dy)
    }

    // MARK: - Reference passes

    /// Calls `body(n, outputPixel, rows, columns)` for every output pixel, with its window's in-bounds
    /// input rows and columns. Batch items run in parallel: each writes only its own output and
    /// input-gradient pixels, so `body` may write to both. Inlined, so that the channel loops of each
    /// caller vectorise.
    @inline(__always)
    private func forEachWindow(_ shape: [Int], _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        let (height, width) = (shape[1], shape[2])
        let plan = window.plan(height: height, width: width)
        let (kh, kw) = window.kernel
        Parallelism.forEach(shape[0]) { n in
            var outPixel = n * plan.outHeight * plan.outWidth
            for oy in 0..<plan.outHeight {
                let top = plan.inputRow(oy, 0)
                let rows = max(top, 0)..<min(top + kh, height)
                for ox in 0..<plan.outWidth {
                    let left = plan.inputColumn(ox, 0)
                    body(n, outPixel, rows, max(left, 0)..<min(left + kw, width))
                    outPixel += 1
                }
            }
        }
    }

    private func outShape(_ input: [Int]) -> [Int] {
        let plan = window.plan(height: input[1], width: input[2])
        return [input[0], plan.outHeight, plan.outWidth, input[3]]
    }

    func forwardReference(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let storage = x.storageShape
        let (height, width, channels) = (storage[1], storage[2], storage[3])
        var out = Tensor(zeros: outShape(x.shape))
        out.layout = x.layout
        let reduction = self.reduction
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                forEachWindow(storage) { n, outPixel, rows, columns in
                    let target = output.baseAddress! + outPixel * channels
                    switch reduction {
                    case .max:
                        target.update(repeating: -.infinity, count: channels)
                        for iy in rows {
                            for ix in columns {
                                let source = input.baseAddress! + ((n * height + iy) * width + ix) * channels
                                for c in 0..<channels { target[c] = source[c] > target[c] ? source[c] : target[c] }
                            }
                        }
                    case .average:
                        for iy in rows {
                            for ix in columns {
                                let source = input.baseAddress! + ((n * height + iy) * width + ix) * channels
                                for c in 0..<channels { target[c] += source[c] }
                            }
                        }
                        let scale = 1 / Float(rows.count * columns.count)
                        for c in 0..<channels { target[c] *= scale }
                    }
                }
            }
        }
        return out
    }

    func inputGradientsReference(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let storage = x.storageShape
        let (height, width, channels) = (storage[1], storage[2], storage[3])
        var dx = Tensor(zeros: x.shape)
        dx.layout = x.layout
        let reduction = self.reduction
        // Per window: each channel's largest value so far and the input pixel holding it.
        var best = [Float](repeating: 0, count: channels * storage[0])
        // 32-bit pixel indices: the same width as the values, so the comparison loop vectorises.
        precondition(storage[0] * height * width <= Int(Int32.max), "pooling input too large")
        var bestPixel = [Int32](repeating: 0, count: channels * storage[0])
        x.scalars.withUnsafeBufferPointer { input in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    best.withUnsafeMutableBufferPointer { best in
                        bestPixel.withUnsafeMutableBufferPointer { bestPixel in
                            forEachWindow(storage) { n, outPixel, rows, columns in
                                guard !rows.isEmpty, !columns.isEmpty else { return }
                                let gradient = dy.baseAddress! + outPixel * channels
                                switch reduction {
                                case .max:
                                    // The first maximum in row-major window order takes the gradient.
                                    let value = best.baseAddress! + n * channels
                                    let pixel = bestPixel.baseAddress! + n * channels
                                    let first = (n * height + rows.lowerBound) * width + columns.lowerBound
                                    value.update(from: input.baseAddress! + first * channels, count: channels)
                                    pixel.update(repeating: Int32(first), count: channels)
                                    for iy in rows {
                                        for ix in columns {
                                            let tap = (n * height + iy) * width + ix
                                            let source = input.baseAddress! + tap * channels
                                            for c in 0..<channels {
                                                let larger = source[c] > value[c]
                                                value[c] = larger ? source[c] : value[c]
                                                pixel[c] = larger ? Int32(tap) : pixel[c]
                                            }
                                        }
                                    }
                                    for c in 0..<channels { dxBuffer[Int(pixel[c]) * channels + c] += gradient[c] }
                                case .average:
                                    let scale = 1 / Float(rows.count * columns.count)
                                    for iy in rows {
                                        for ix in columns {
                                            let target = dxBuffer.baseAddress! + ((n * height + iy) * width + ix) * channels
                                            for c in 0..<channels { target[c] += gradient[c] * scale }
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
