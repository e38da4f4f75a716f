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

    public func forward(_ inputs: [Tensor]) -> Tensor {
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

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
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
