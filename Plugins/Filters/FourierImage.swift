import Foundation
import VizCore

/// Lucid's `fft_image` followed by `to_valid_rgb`, then the model's preprocessing: the image is
/// the orthonormal inverse real 2-D DFT of learnable spectra scaled by 1/frequency^decay (÷ 4,
/// Lucid's "magic" constant), optionally mixed by the colour decorrelation matrix, squashed into
/// 0…1 by a sigmoid or clipped to it, and mapped per channel into the model's input space.
///
/// Spectra are laid out as lucent's: (batch, channels, height, width / 2 + 1, 2), real and
/// imaginary parts last. The inverse DFT is two dense passes (columns, then rows) over
/// precomputed twiddles, exact for any size; its transpose runs the same passes backwards.
struct FourierImage {
    let height: Int
    let width: Int
    let channels: Int
    let decorrelate: Bool
    /// Lucid's `to_valid_rgb(sigmoid:)`: a sigmoid, or (false) the colour mean added after the
    /// decorrelation and `constrain_L_inf(2t − 1) / 2 + 0.5`, which clips to 0…1.
    let sigmoid: Bool
    /// Input channel c is `255 · rgb[source[c]] · scale[c] + offset[c]`: the config's preprocessing.
    let inputMapping: InputMapping
    /// `1 / max(frequency, 1 / max(h, w))^decay` per spectrum entry (height × columns).
    let frequencyScale: [Float]
    /// `cos` and `sin` of `2π·ky·y / h`, divided by √h (height × height, symmetric).
    private let columnCos: [Float]
    private let columnSin: [Float]
    /// Per column k and pixel n: how the real and imaginary parts of Z[k] add to pixel n of a
    /// row (`c_k cos(2πkn/w)`, `−c_k sin(2πkn/w)`, c_k = 2 but for the constant and Nyquist
    /// terms), divided by √w and by Lucid's 4.
    private let rowReal: [Float]
    private let rowImaginary: [Float]

    /// Lucid's `color_mean`, added to decorrelated colours that are clipped rather than squashed.
    static let colorMean: [Float] = [0.48, 0.46, 0.41]

    /// Lucid's colour decorrelation: `color_correlation_svd_sqrt` divided by its largest column norm.
    static let colorCorrelation: [[Float]] = {
        let root: [[Double]] = [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]
        let largestColumnNorm = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + root[$1][j] * root[$1][j] }.squareRoot() }
            .max()!
        return root.map { row in row.map { Float($0 / largestColumnNorm) } }
    }()

    var columns: Int { width / 2 + 1 }
    func spectraShape(batch: Int) -> [Int] { [batch, channels, height, columns, 2] }

    init(
        height: Int, width: Int, channels: Int, decayPower: Float, decorrelate: Bool, sigmoid: Bool = true,
        inputMapping: InputMapping
    ) {
        precondition(!decorrelate || channels == 3, "colour decorrelation needs 3 channels")
        precondition(inputMapping.scale.count == channels)
        (self.height, self.width, self.channels) = (height, width, channels)
        (self.decorrelate, self.sigmoid) = (decorrelate, sigmoid)
        self.inputMapping = inputMapping
        let columns = width / 2 + 1
        // numpy.fft.fftfreq: k / n for k < (n + 1) / 2, (k − n) / n above.
        func frequency(_ k: Int, _ n: Int) -> Double { Double(k < (n + 1) / 2 ? k : k - n) / Double(n) }
        let floor = 1 / Double(max(height, width))
        frequencyScale = (0..<(height * columns)).map { index in
            let (fy, fx) = (frequency(index / columns, height), frequency(index % columns, width))
            return Float(1 / pow(max((fy * fy + fx * fx).squareRoot(), floor), Double(decayPower)))
        }
        let columnNorm = 1 / Double(height).squareRoot()
        let columnAngles = (0..<(height * height)).map {
            2 * Double.pi * Double((($0 / height) * ($0 % height)) % height) / Double(height)
        }
        columnCos = columnAngles.map { Float(cos($0) * columnNorm) }
        columnSin = columnAngles.map { Float(sin($0) * columnNorm) }
        let rowNorm = 1 / (Double(width).squareRoot() * 4)
        var rowReal = [Float](repeating: 0, count: columns * width)
        var rowImaginary = [Float](repeating: 0, count: columns * width)
        for k in 0..<columns {
            let weight = (k == 0 || 2 * k == width ? 1.0 : 2.0) * rowNorm
            for n in 0..<width {
                let angle = 2 * Double.pi * Double((k * n) % width) / Double(width)
                rowReal[k * width + n] = Float(weight * cos(angle))
                rowImaginary[k * width + n] = Float(-weight * sin(angle))
            }
        }
        self.rowReal = rowReal
        self.rowImaginary = rowImaginary
    }

    /// Spectra drawn from N(0, standardDeviation²), Lucid's start.
    func randomSpectra(batch: Int, standardDeviation: Float = 0.01, generator: inout SeededGenerator) -> Tensor {
        let shape = spectraShape(batch: batch)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.normal() * standardDeviation })
    }

    /// The valid image (batch, height, width, channels) in 0…1, and the same in the model's input space.
    func forward(_ spectra: Tensor) -> (rgb: Tensor, input: Tensor) {
        let batch = spectra.shape[0]
        precondition(spectra.shape == spectraShape(batch: batch))
        let planes = spatialPlanes(spectra)
        var rgb = Tensor(zeros: [batch, height, width, channels])
        var input = rgb
        let pixels = height * width
        var mixed = [Float](repeating: 0, count: channels)
        for b in 0..<batch {
            for pixel in 0..<pixels {
                for c in 0..<channels { mixed[c] = planes[(b * channels + c) * pixels + pixel] }
                if decorrelate { mixed = Self.mix(mixed, Self.colorCorrelation) }
                let first = (b * pixels + pixel) * channels
                for c in 0..<channels {
                    rgb.scalars[first + c] =
                        sigmoid ? 1 / (1 + exp(-mixed[c])) : min(max(mixed[c] + (decorrelate ? Self.colorMean[c] : 0), 0), 1)
                }
                for c in 0..<channels {
                    let level = 255 * rgb.scalars[first + inputMapping.source[c]]
                    input.scalars[first + c] = level * inputMapping.scale[c] + inputMapping.offset[c]
                }
            }
        }
        return (rgb, input)
    }

    /// d(loss)/d(spectra) from d(loss)/d(input), given the `rgb` the forward pass made.
    func backward(rgb: Tensor, inputGradient: Tensor) -> Tensor {
        let batch = rgb.shape[0]
        let pixels = height * width
        var planes = [Float](repeating: 0, count: batch * channels * pixels)
        var local = [Float](repeating: 0, count: channels)
        let transposed = (0..<channels).map { i in (0..<channels).map { j in Self.colorCorrelation[j][i] } }
        for b in 0..<batch {
            for pixel in 0..<pixels {
                let first = (b * pixels + pixel) * channels
                for c in 0..<channels { local[c] = 0 }
                for c in 0..<channels {
                    local[inputMapping.source[c]] += 255 * inputMapping.scale[c] * inputGradient.scalars[first + c]
                }
                for c in 0..<channels { local[c] *= validGradient(rgb.scalars[first + c], local[c]) }
                if decorrelate { local = Self.mix(local, transposed) }
                for c in 0..<channels { planes[(b * channels + c) * pixels + pixel] = local[c] }
            }
        }
        return spectraGradient(planes, batch: batch)
    }

    /// d(valid)/d(colour) at the valid value `value`, for the objective's gradient `upstream` there.
    /// Clipping uses Lucid's gradient of `constrain_L_inf`: passed through, but zero at a clipped
    /// edge where the gradient of the minimised loss (−upstream) has the sign of the edge.
    private func validGradient(_ value: Float, _ upstream: Float) -> Float {
        if sigmoid { return value * (1 - value) }
        return (value >= 1 && upstream < 0) || (value <= 0 && upstream > 0) ? 0 : 1
    }

    private static func mix(_ v: [Float], _ matrix: [[Float]]) -> [Float] {
        matrix.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    /// The inverse DFT of every (batch, channel) spectrum: planes of height × width, in that order.
    private func spatialPlanes(_ spectra: Tensor) -> [Float] {
        let count = spectra.shape[0] * channels
        let (h, w, columns) = (height, width, self.columns)
        var planes = [Float](repeating: 0, count: count * h * w)
        spectra.scalars.withUnsafeBufferPointer { source in
            planes.withUnsafeMutableBufferPointer { target in
                let (source, target) = (source.baseAddress!, target.baseAddress!)
                Parallelism.forEach(count) { plane in
                    var real = [Float](repeating: 0, count: h * columns)
                    var imaginary = real
                    for index in 0..<(h * columns) {
                        real[index] = source[(plane * h * columns + index) * 2] * frequencyScale[index]
                        imaginary[index] = source[(plane * h * columns + index) * 2 + 1] * frequencyScale[index]
                    }
                    let (zReal, zImaginary) = columnTransform(real, imaginary, sign: 1)
                    // Rows: the real inverse of each half spectrum.
                    let out = target + plane * h * w
                    for y in 0..<h {
                        for k in 0..<columns {
                            let (zr, zi) = (zReal[y * columns + k], zImaginary[y * columns + k])
                            for n in 0..<w { out[y * w + n] += zr * rowReal[k * w + n] + zi * rowImaginary[k * w + n] }
                        }
                    }
                }
            }
        }
        return planes
    }

    /// The transpose of `spatialPlanes` (frequency scaling included), in lucent's spectra layout.
    private func spectraGradient(_ planes: [Float], batch: Int) -> Tensor {
        let count = batch * channels
        let (h, w, columns) = (height, width, self.columns)
        var gradient = Tensor(zeros: spectraShape(batch: batch))
        planes.withUnsafeBufferPointer { source in
            gradient.scalars.withUnsafeMutableBufferPointer { target in
                let (source, target) = (source.baseAddress!, target.baseAddress!)
                Parallelism.forEach(count) { plane in
                    let upstream = source + plane * h * w
                    var zReal = [Float](repeating: 0, count: h * columns)
                    var zImaginary = zReal
                    for y in 0..<h {
                        for k in 0..<columns {
                            var (gr, gi): (Float, Float) = (0, 0)
                            for n in 0..<w {
                                gr += upstream[y * w + n] * rowReal[k * w + n]
                                gi += upstream[y * w + n] * rowImaginary[k * w + n]
                            }
                            (zReal[y * columns + k], zImaginary[y * columns + k]) = (gr, gi)
                        }
                    }
                    let (real, imaginary) = columnTransform(zReal, zImaginary, sign: -1)
                    for index in 0..<(h * columns) {
                        target[(plane * h * columns + index) * 2] = real[index] * frequencyScale[index]
                        target[(plane * h * columns + index) * 2 + 1] = imaginary[index] * frequencyScale[index]
                    }
                }
            }
        }
        return gradient
    }

    /// Along the height of every column: `Z[y] = Σ_ky e^{sign·2πi·ky·y/h} S[ky] / √h`, the inverse
    /// DFT (sign 1) or its transpose (sign −1: the twiddles are symmetric, so only their sign flips).
    private func columnTransform(_ real: [Float], _ imaginary: [Float], sign: Float) -> ([Float], [Float]) {
        let (h, columns) = (height, self.columns)
        var zReal = [Float](repeating: 0, count: h * columns)
        var zImaginary = zReal
        for y in 0..<h {
            for ky in 0..<h {
                let (c, s) = (columnCos[y * h + ky], sign * columnSin[y * h + ky])
                for k in 0..<columns {
                    let (sr, si) = (real[ky * columns + k], imaginary[ky * columns + k])
                    zReal[y * columns + k] += c * sr - s * si
                    zImaginary[y * columns + k] += c * si + s * sr
                }
            }
        }
        return (zReal, zImaginary)
    }
}
