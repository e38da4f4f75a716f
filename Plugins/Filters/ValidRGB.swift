import Foundation
import VizCore

/// Lucid's `to_valid_rgb` followed by the model's preprocessing, the last stage of every drawn
/// parameterisation (`fft`, `laplacian`): the unconstrained image is optionally mixed by the
/// colour decorrelation matrix, squashed into 0…1 by a sigmoid or clipped to it, and mapped per
/// channel into the model's input space.
struct ValidRGB {
    let channels: Int
    let decorrelate: Bool
    /// Lucid's `to_valid_rgb(sigmoid:)`: a sigmoid, or (false) the colour mean added after the
    /// decorrelation and `constrain_L_inf(2t − 1) / 2 + 0.5`, which clips to 0…1.
    let sigmoid: Bool
    /// Input channel c is `255 · rgb[source[c]] · scale[c] + offset[c]`: the config's preprocessing.
    let inputMapping: InputMapping
    /// The colour decorrelation matrix (channels × channels, row-major), the identity without it.
    private let colourMixing: [Float]

    /// Lucid's `color_mean`, added to decorrelated colours that are clipped rather than squashed.
    static let colorMean: [Float] = [0.48, 0.46, 0.41]

    /// Lucid's colour decorrelation: `color_correlation_svd_sqrt` divided by its largest column norm.
    static let colorCorrelation: [[Float]] = {
        let root: [[Double]] = [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]
        let largestColumnNorm = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + root[$1][j] * root[$1][j] }.squareRoot() }
            .max()!
        return root.map { row in row.map { Float($0 / largestColumnNorm) } }
    }()

    /// Where value (item, y, x, channel) of an unconstrained image sits in its flat buffer: each
    /// parameterisation keeps the layout its own passes want, and this stage reads and writes it.
    struct Strides {
        let item: Int
        let row: Int
        let column: Int
        let channel: Int

        /// (batch, height, width, channels), channels last.
        static func channelsLast(height: Int, width: Int, channels: Int) -> Strides {
            Strides(item: height * width * channels, row: width * channels, column: channels, channel: 1)
        }
    }

    init(channels: Int, decorrelate: Bool, sigmoid: Bool, inputMapping: InputMapping) {
        precondition(!decorrelate || channels == 3, "colour decorrelation needs 3 channels")
        precondition(inputMapping.scale.count == channels)
        (self.channels, self.decorrelate, self.sigmoid, self.inputMapping) = (channels, decorrelate, sigmoid, inputMapping)
        colourMixing = (0..<(channels * channels)).map { index in
            let (row, column) = (index / channels, index % channels)
            return decorrelate ? Self.colorCorrelation[row][column] : (row == column ? 1 : 0)
        }
    }

    /// The valid image (batch, height, width, channels) in 0…1, and the same in the model's input
    /// space, from the unconstrained image laid out by `strides`.
    func forward(_ image: [Float], strides: Strides, batch: Int, height: Int, width: Int) -> (rgb: Tensor, input: Tensor) {
        precondition(image.count == batch * height * width * channels)
        var rgb = Tensor(zeros: [batch, height, width, channels])
        var input = rgb
        let channels = self.channels
        image.withUnsafeBufferPointer { image in
            rgb.scalars.withUnsafeMutableBufferPointer { rgb in
                input.scalars.withUnsafeMutableBufferPointer { input in
                    Parallelism.forEach(batch * height) { row in
                        let rowStart = (row / height) * strides.item + (row % height) * strides.row
                        var colour = [Float](repeating: 0, count: channels)
                        for x in 0..<width {
                            let pixel = rowStart + x * strides.column
                            for c in 0..<channels { colour[c] = image[pixel + c * strides.channel] }
                            let first = (row * width + x) * channels
                            for c in 0..<channels {
                                var mixed: Float = 0
                                for j in 0..<channels { mixed += colourMixing[c * channels + j] * colour[j] }
                                rgb[first + c] =
                                    sigmoid
                                    ? 1 / (1 + exp(-mixed)) : min(max(mixed + (decorrelate ? Self.colorMean[c] : 0), 0), 1)
                            }
                            for c in 0..<channels {
                                let level = 255 * rgb[first + inputMapping.source[c]]
                                input[first + c] = level * inputMapping.scale[c] + inputMapping.offset[c]
                            }
                        }
                    }
                }
            }
        }
        return (rgb, input)
    }

    /// d(loss)/d(unconstrained image), laid out by `strides`, from d(loss)/d(input), given the
    /// `rgb` the forward pass made.
    func backward(rgb: Tensor, inputGradient: Tensor, strides: Strides) -> [Float] {
        let (batch, height, width) = (rgb.shape[0], rgb.shape[1], rgb.shape[2])
        let channels = self.channels
        var image = [Float](repeating: 0, count: rgb.count)
        rgb.scalars.withUnsafeBufferPointer { rgb in
            inputGradient.scalars.withUnsafeBufferPointer { upstream in
                image.withUnsafeMutableBufferPointer { image in
                    Parallelism.forEach(batch * height) { row in
                        let rowStart = (row / height) * strides.item + (row % height) * strides.row
                        var local = [Float](repeating: 0, count: channels)
                        for x in 0..<width {
                            let first = (row * width + x) * channels
                            for c in 0..<channels { local[c] = 0 }
                            for c in 0..<channels {
                                local[inputMapping.source[c]] += 255 * inputMapping.scale[c] * upstream[first + c]
                            }
                            for c in 0..<channels { local[c] *= validGradient(rgb[first + c], local[c]) }
                            // The transpose of the colour mixing.
                            let pixel = rowStart + x * strides.column
                            for c in 0..<channels {
                                var mixed: Float = 0
                                for j in 0..<channels { mixed += colourMixing[j * channels + c] * local[j] }
                                image[pixel + c * strides.channel] = mixed
                            }
                        }
                    }
                }
            }
        }
        return image
    }

    /// d(valid)/d(colour) at the valid value `value`, for the objective's gradient `upstream` there.
    /// Clipping uses Lucid's gradient of `constrain_L_inf`: passed through, but zero at a clipped
    /// edge where the gradient of the minimised loss (−upstream) has the sign of the edge.
    private func validGradient(_ value: Float, _ upstream: Float) -> Float {
        if sigmoid { return value * (1 - value) }
        return (value >= 1 && upstream < 0) || (value <= 0 && upstream > 0) ? 0 : 1
    }
}
