import VizCore

/// Lucid's `laplacian_pyramid_image` followed by `to_valid_rgb` and the model's preprocessing
/// (`ValidRGB`): the image is the sum of `levels` learnable tensors, level n of size
/// (H // 2ⁿ, W // 2ⁿ), each upsampled bilinearly to (H, W) by `lowres_tensor`.
///
/// Matched to Lucid (TensorFlow 1), not to lucent's port: `resize_bilinear_nd` calls
/// `tf.compat.v1.image.resize_bilinear` with its defaults, align_corners and half_pixel_centers
/// both false, so output pixel i reads the input at i · (in / out), computed in float32, between
/// floor and min(ceil, in − 1) (the last rows and columns repeat the edge; lucent's
/// align_corners=True stretches corner to corner and draws a different picture). Odd sizes round
/// down as Python's `//` does; every level starts at N(0, 0.01²) (`lowres_tensor`'s sd), drawn
/// finest level first.
///
/// Parameters are (batch, Σ levels' h·w·c): per item, the levels finest first, each (h, w, c)
/// row-major. The gradient is the adjoint of each upsampling (what TensorFlow's
/// `ResizeBilinearGrad` computes), summed over the levels and taken through `ValidRGB`.
struct LaplacianPyramid: DrawnImage {
    let height: Int
    let width: Int
    let channels: Int
    let colours: ValidRGB
    private let levels: [Level]
    /// Parameters per item: every level's h·w·c.
    let itemCount: Int

    /// One level: its size, where it starts in an item's parameters, and its upsampling's taps.
    private struct Level {
        let height: Int
        let width: Int
        let offset: Int
        let rows: Taps
        let columns: Taps
    }

    /// Per output index of one axis: the two input indices read and the weight of the upper one,
    /// as TensorFlow 1's legacy `resize_bilinear` computes them.
    private struct Taps {
        let lower: [Int]
        let upper: [Int]
        let fraction: [Float]

        init(from inputSize: Int, to outputSize: Int) {
            let scale = Float(inputSize) / Float(outputSize)
            let positions = (0..<outputSize).map { Float($0) * scale }
            lower = positions.map { max(Int($0.rounded(.down)), 0) }
            upper = positions.map { min(Int($0.rounded(.up)), inputSize - 1) }
            fraction = positions.map { $0 - $0.rounded(.down) }
        }
    }

    /// The size of level `level` along an axis of `size` pixels (Python's `size // 2**level`).
    static func levelSize(_ size: Int, level: Int) -> Int { size >> level }

    /// The most levels an image of this size takes: the coarsest must keep at least one pixel.
    static func mostLevels(height: Int, width: Int) -> Int {
        var count = 0
        while levelSize(min(height, width), level: count) >= 1 { count += 1 }
        return count
    }

    init(
        height: Int, width: Int, channels: Int, levels: Int, decorrelate: Bool, sigmoid: Bool = true,
        inputMapping: InputMapping
    ) {
        precondition(levels >= 1 && levels <= Self.mostLevels(height: height, width: width))
        (self.height, self.width, self.channels) = (height, width, channels)
        colours = ValidRGB(channels: channels, decorrelate: decorrelate, sigmoid: sigmoid, inputMapping: inputMapping)
        var offset = 0
        self.levels = (0..<levels).map { n in
            let (h, w) = (Self.levelSize(height, level: n), Self.levelSize(width, level: n))
            defer { offset += h * w * channels }
            return Level(
                height: h, width: w, offset: offset, rows: Taps(from: h, to: height), columns: Taps(from: w, to: width))
        }
        itemCount = offset
    }

    /// Every level drawn from N(0, 0.01²), Lucid's start.
    func randomStart(batch: Int, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: [batch, itemCount], scalars: (0..<(batch * itemCount)).map { _ in generator.normal() * 0.01 })
    }

    func forward(_ parameters: Tensor) -> (rgb: Tensor, input: Tensor) {
        let batch = parameters.shape[0]
        precondition(parameters.shape == [batch, itemCount])
        let (height, width, channels, itemCount) = (self.height, self.width, self.channels, self.itemCount)
        var image = [Float](repeating: 0, count: batch * height * width * channels)
        parameters.scalars.withUnsafeBufferPointer { parameters in
            image.withUnsafeMutableBufferPointer { image in
                Parallelism.forEach(batch * height) { row in
                    let (b, y) = (row / height, row % height)
                    let rowStart = row * width * channels
                    for level in levels {
                        let source = b * itemCount + level.offset
                        let levelRow = level.width * channels
                        let top = source + level.rows.lower[y] * levelRow
                        let bottom = source + level.rows.upper[y] * levelRow
                        let yFraction = level.rows.fraction[y]
                        for x in 0..<width {
                            let (left, right) = (level.columns.lower[x] * channels, level.columns.upper[x] * channels)
                            let xFraction = level.columns.fraction[x]
                            for c in 0..<channels {
                                // TensorFlow's order of operations: along x, then along y.
                                let upper =
                                    parameters[top + left + c] + (parameters[top + right + c] - parameters[top + left + c])
                                    * xFraction
                                let lower =
                                    parameters[bottom + left + c]
                                    + (parameters[bottom + right + c] - parameters[bottom + left + c]) * xFraction
                                image[rowStart + x * channels + c] += upper + (lower - upper) * yFraction
                            }
                        }
                    }
                }
            }
        }
        return colours.forward(
            image, strides: .channelsLast(height: height, width: width, channels: channels), batch: batch, height: height,
            width: width)
    }

    func backward(rgb: Tensor, inputGradient: Tensor) -> Tensor {
        let batch = rgb.shape[0]
        let (height, width, channels, itemCount, levels) = (self.height, self.width, self.channels, self.itemCount, self.levels)
        let imageGradient = colours.backward(
            rgb: rgb, inputGradient: inputGradient, strides: .channelsLast(height: height, width: width, channels: channels))
        var gradient = Tensor(zeros: [batch, itemCount])
        imageGradient.withUnsafeBufferPointer { upstream in
            gradient.scalars.withUnsafeMutableBufferPointer { gradient in
                // Each (item, level) adds into its own block of the parameters only.
                Parallelism.forEach(batch * levels.count) { job in
                    let (b, level) = (job / levels.count, levels[job % levels.count])
                    let target = b * itemCount + level.offset
                    let levelRow = level.width * channels
                    for y in 0..<height {
                        let top = target + level.rows.lower[y] * levelRow
                        let bottom = target + level.rows.upper[y] * levelRow
                        let yFraction = level.rows.fraction[y]
                        let rowStart = (b * height + y) * width * channels
                        for x in 0..<width {
                            let (left, right) = (level.columns.lower[x] * channels, level.columns.upper[x] * channels)
                            let xFraction = level.columns.fraction[x]
                            for c in 0..<channels {
                                let g = upstream[rowStart + x * channels + c]
                                let (upper, lower) = (g * (1 - yFraction), g * yFraction)
                                gradient[top + left + c] += upper * (1 - xFraction)
                                gradient[top + right + c] += upper * xFraction
                                gradient[bottom + left + c] += lower * (1 - xFraction)
                                gradient[bottom + right + c] += lower * xFraction
                            }
                        }
                    }
                }
            }
        }
        return gradient
    }
}
