import Foundation

/// Resamples each feature map to a new height and width (Keras `UpSampling2D` by a factor,
/// `Resizing` to a fixed size), as TensorFlow 2's `tf.image.resize` does: half-pixel centres,
/// no antialiasing. Nearest reads source pixel ⌊(i + ½)·scale⌋; bilinear mixes the two pixels
/// around (i + ½)·scale − ½, clamped at the edges. With an integer factor nearest repeats pixels.
public final class Resize2DOp: Op {
    public enum Interpolation: String, Sendable { case nearest, bilinear }

    public enum Size: Sendable {
        /// Height and width multiplied.
        case factor(Int, Int)
        /// Height and width.
        case fixed(Int, Int)
    }

    public let size: Size
    public let interpolation: Interpolation
    public let kind: String

    public init(_ size: Size, interpolation: Interpolation, kind: String) {
        self.size = size
        self.interpolation = interpolation
        self.kind = kind
    }

    private func outputSize(height: Int, width: Int) -> (Int, Int) {
        switch size {
        case .factor(let h, let w): return (height < 0 ? -1 : height * h, width < 0 ? -1 : width * w)
        case .fixed(let h, let w): return (h, w)
        }
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        let (height, width) = outputSize(height: input[1], width: input[2])
        return [input[0], height, width, input[3]]
    }

    /// The two source indices and the weight of the second, for each output index along one axis.
    private struct Tap { var lower: Int, upper: Int, weight: Float }

    private func taps(input: Int, output: Int) -> [Tap] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { i in
            switch interpolation {
            case .nearest:
                let source = min(max(Int(Foundation.floor((Float(i) + 0.5) * scale)), 0), input - 1)
                return Tap(lower: source, upper: source, weight: 0)
            case .bilinear:
                let position = (Float(i) + 0.5) * scale - 0.5
                let floor = Foundation.floor(position)
                return Tap(
                    lower: max(Int(floor), 0), upper: min(Int(Foundation.ceil(position)), input - 1),
                    weight: position - floor)
            }
        }
    }

    /// Output rows in parallel, each pixel the weighted sum of its (up to) four source pixels; a
    /// tap of weight 0 is left out, as it adds nothing.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let rows = taps(input: height, output: outHeight)
        let columns = taps(input: width, output: outWidth)
        return Tensor(shape: [batch, outHeight, outWidth, channels]) { out in
            x.scalars.withUnsafeBufferPointer { input in
                Parallelism.forEach(batch * outHeight) { outRow in
                    let (n, oy) = outRow.quotientAndRemainder(dividingBy: outHeight)
                    let row = rows[oy]
                    let top = input.baseAddress! + (n * height + row.lower) * width * channels
                    let bottom = input.baseAddress! + (n * height + row.upper) * width * channels
                    for (ox, column) in columns.enumerated() {
                        let target = out.baseAddress! + (outRow * outWidth + ox) * channels
                        target.update(repeating: 0, count: channels)
                        func add(_ pixel: Int, _ weight: Float, from line: UnsafePointer<Float>) {
                            guard weight != 0 else { return }
                            let source = line + pixel * channels
                            for c in 0..<channels { target[c] += weight * source[c] }
                        }
                        add(column.lower, (1 - row.weight) * (1 - column.weight), from: top)
                        add(column.upper, (1 - row.weight) * column.weight, from: top)
                        add(column.lower, row.weight * (1 - column.weight), from: bottom)
                        add(column.upper, row.weight * column.weight, from: bottom)
                    }
                }
            }
        }
    }

    /// The forward's taps in reverse: each output pixel's gradient goes back to its source pixels.
    /// Several output pixels share a source, so the work splits by channel, which no two share.
    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let rows = taps(input: height, output: outHeight)
        let columns = taps(input: width, output: outWidth)
        let slices = min(channels, Parallelism.threads)
        var dx = Tensor(zeros: x.shape)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                let dxBuffer = dxBuffer
                Parallelism.forEach(slices) { slice in
                    let sliceChannels = (slice * channels / slices)..<((slice + 1) * channels / slices)
                    for n in 0..<batch {
                        for (oy, row) in rows.enumerated() {
                            let top = (n * height + row.lower) * width
                            let bottom = (n * height + row.upper) * width
                            for (ox, column) in columns.enumerated() {
                                let gradient = dy.baseAddress! + ((n * outHeight + oy) * outWidth + ox) * channels
                                func add(_ pixel: Int, _ weight: Float) {
                                    guard weight != 0 else { return }
                                    let target = dxBuffer.baseAddress! + pixel * channels
                                    for c in sliceChannels { target[c] += weight * gradient[c] }
                                }
                                add(top + column.lower, (1 - row.weight) * (1 - column.weight))
                                add(top + column.upper, (1 - row.weight) * column.weight)
                                add(bottom + column.lower, row.weight * (1 - column.weight))
                                add(bottom + column.upper, row.weight * column.weight)
                            }
                        }
                    }
                }
            }
        }
        return [dx]
    }
}
