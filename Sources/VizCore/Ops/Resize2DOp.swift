import Foundation

/// Resamples each feature map to a new height and width: Keras `UpSampling2D` by a factor and
/// `Resizing` to a fixed size, as TensorFlow 2's `tf.image.resize` does (half-pixel centres, no
/// antialiasing), and ONNX `Resize`/`Upsample` with their coordinate transformations and nearest
/// roundings, computed as onnxruntime computes them.
///
/// Output index i samples the input at a position p along each axis; nearest reads the pixel p
/// rounds to, bilinear mixes the two pixels around p, which is clamped to the input first.
public final class Resize2DOp: Op {
    public enum Interpolation: String, Sendable { case nearest, bilinear }

    public enum Size: Sendable {
        /// Height and width multiplied (the output ⌊size · scale⌋), each position mapped with that scale.
        case scale(Float, Float)
        /// Height and width, each position mapped with the scale output / input.
        case fixed(Int, Int)
    }

    /// Where output index i samples an axis of `length` resized by `scale` to `output` (ONNX's
    /// `coordinate_transformation_mode`).
    public enum Coordinates: String, Sendable {
        /// TensorFlow 2 (Keras): nearest at (i + ½) · length / output, bilinear half a pixel before.
        case tensorflow
        /// (i + ½) / scale − ½.
        case halfPixel = "half_pixel"
        /// As half_pixel, but 0 for an output of one pixel.
        case pytorchHalfPixel = "pytorch_half_pixel"
        /// i · (length − 1) / (output − 1), 0 for an output of one pixel.
        case alignCorners = "align_corners"
        /// i / scale.
        case asymmetric
        /// (i + ½) / scale.
        case tfHalfPixelForNN = "tf_half_pixel_for_nn"
    }

    /// How nearest interpolation turns a position into a pixel (ONNX's `nearest_mode`).
    public enum Rounding: String, Sendable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor, ceil
    }

    public let size: Size
    public let interpolation: Interpolation
    public let coordinates: Coordinates
    public let rounding: Rounding
    public let kind: String

    public init(
        _ size: Size, interpolation: Interpolation, coordinates: Coordinates = .tensorflow, rounding: Rounding = .floor,
        kind: String
    ) {
        self.size = size
        self.interpolation = interpolation
        self.coordinates = coordinates
        self.rounding = rounding
        self.kind = kind
    }

    /// Output length along an axis of `length` (`-1` unknown), and the scale positions are mapped with.
    private func axis(_ index: Int, length: Int) -> (output: Int, scale: Float) {
        switch size {
        case .scale(let height, let width):
            let scale = index == 0 ? height : width
            return (length < 0 ? -1 : Int((Float(length) * scale).rounded(.towardZero)), scale)
        case .fixed(let height, let width):
            let output = index == 0 ? height : width
            return (output, Float(output) / Float(length))
        }
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        let (height, width) = (axis(0, length: input[1]).output, axis(1, length: input[2]).output)
        guard input[1] < 0 || height > 0, input[2] < 0 || width > 0, input[1] != 0, input[2] != 0 else {
            throw VizError("\(kind) resizes \(ShapeCheck.describe(input)) to nothing (\(height)×\(width))")
        }
        return [input[0], height, width, input[3]]
    }

    /// The two source indices and the weight of the second, for each output index along one axis.
    private struct Tap { var lower: Int, upper: Int, weight: Float }

    private func taps(axis index: Int, length: Int) -> [Tap] {
        let (output, scale) = axis(index, length: length)
        return (0..<output).map { i in
            let position = self.position(Float(i), length: length, output: output, scale: scale)
            switch interpolation {
            case .nearest:
                let source = min(max(Int(exactly: rounded(position)) ?? 0, 0), length - 1)
                return Tap(lower: source, upper: source, weight: 0)
            case .bilinear:
                let clamped = min(max(position, 0), Float(length - 1))
                let lower = Int(Foundation.floor(clamped))
                return Tap(lower: lower, upper: min(lower + 1, length - 1), weight: clamped - Float(lower))
            }
        }
    }

    private func position(_ i: Float, length: Int, output: Int, scale: Float) -> Float {
        switch coordinates {
        case .tensorflow:
            let centre = (i + 0.5) * (Float(length) / Float(output))
            return interpolation == .nearest ? centre : centre - 0.5
        case .halfPixel: return (i + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return output > 1 ? (i + 0.5) / scale - 0.5 : 0
        case .alignCorners: return output > 1 ? i * Float(length - 1) / Float(output - 1) : 0
        case .asymmetric: return i / scale
        case .tfHalfPixelForNN: return (i + 0.5) / scale
        }
    }

    private func rounded(_ position: Float) -> Float {
        switch rounding {
        case .floor: return Foundation.floor(position)
        case .ceil: return Foundation.ceil(position)
        case .roundPreferFloor:
            return position - Foundation.floor(position) == 0.5 ? Foundation.floor(position) : position.rounded()
        case .roundPreferCeil: return position.rounded()
        }
    }

    /// Output rows in parallel, each pixel the weighted sum of its (up to) four source pixels; a
    /// tap of weight 0 is left out, as it adds nothing.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = taps(axis: 0, length: height)
        let columns = taps(axis: 1, length: width)
        let (outHeight, outWidth) = (rows.count, columns.count)
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
    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = taps(axis: 0, length: height)
        let columns = taps(axis: 1, length: width)
        let (outHeight, outWidth) = (rows.count, columns.count)
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
