import Foundation
import VizCore

/// Lucid's `fft_image` followed by `to_valid_rgb` and the model's preprocessing (`ValidRGB`): the
/// image is the orthonormal inverse real 2-D DFT of learnable spectra scaled by 1/frequency^decay
/// (÷ 4, Lucid's "magic" constant).
///
/// Spectra are laid out as lucent's: (batch, channels, height, width / 2 + 1, 2), real and
/// imaginary parts last. The inverse DFT is two dense passes (columns, then rows) over
/// precomputed twiddles, exact for any size, each a few matrix products over the whole batch; its
/// transpose runs the same passes backwards.
struct FourierImage: DrawnImage {
    let height: Int
    let width: Int
    let channels: Int
    let colours: ValidRGB
    /// `1 / max(frequency, 1 / max(h, w))^decay` per spectrum entry (height × columns).
    let frequencyScale: [Float]
    /// `cos` and `sin` of `2π·ky·y / h`, divided by √h (height × height, symmetric), and the sine negated.
    private let columnCos: [Float]
    private let columnSin: [Float]
    private let columnNegatedSin: [Float]
    /// Per column k and pixel n: how the real and imaginary parts of Z[k] add to pixel n of a
    /// row (`c_k cos(2πkn/w)`, `−c_k sin(2πkn/w)`, c_k = 2 but for the constant and Nyquist
    /// terms), divided by √w and by Lucid's 4.
    private let rowReal: [Float]
    private let rowImaginary: [Float]

    var columns: Int { width / 2 + 1 }
    func spectraShape(batch: Int) -> [Int] { [batch, channels, height, columns, 2] }

    init(
        height: Int, width: Int, channels: Int, decayPower: Float, decorrelate: Bool, sigmoid: Bool = true,
        inputMapping: InputMapping
    ) {
        (self.height, self.width, self.channels) = (height, width, channels)
        colours = ValidRGB(channels: channels, decorrelate: decorrelate, sigmoid: sigmoid, inputMapping: inputMapping)
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
        columnNegatedSin = columnSin.map { -$0 }
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

    func randomStart(batch: Int, generator: inout SeededGenerator) -> Tensor {
        randomSpectra(batch: batch, generator: &generator)
    }

    /// The inverse DFTs are rows (y, plane, x), plane = item · channels + channel.
    private func planeStrides(batch: Int) -> ValidRGB.Strides {
        ValidRGB.Strides(item: channels * width, row: batch * channels * width, column: 1, channel: width)
    }

    /// The valid image (batch, height, width, channels) in 0…1, and the same in the model's input space.
    func forward(_ spectra: Tensor) -> (rgb: Tensor, input: Tensor) {
        let batch = spectra.shape[0]
        precondition(spectra.shape == spectraShape(batch: batch))
        return colours.forward(
            spatialPlanes(spectra), strides: planeStrides(batch: batch), batch: batch, height: height, width: width)
    }

    /// d(loss)/d(spectra) from d(loss)/d(input), given the `rgb` the forward pass made.
    func backward(rgb: Tensor, inputGradient: Tensor) -> Tensor {
        let batch = rgb.shape[0]
        let planes = colours.backward(rgb: rgb, inputGradient: inputGradient, strides: planeStrides(batch: batch))
        return spectraGradient(planes, batch: batch)
    }

    /// The inverse DFT of every (batch, channel) spectrum, as rows: (y, plane, x), the planes of
    /// all items side by side so that each pass is one matrix product over the whole batch.
    private func spatialPlanes(_ spectra: Tensor) -> [Float] {
        let planeCount = spectra.shape[0] * channels
        let (h, w, columns) = (height, width, self.columns)
        let n = planeCount * columns
        var real = [Float](repeating: 0, count: h * n)
        var imaginary = real
        for plane in 0..<planeCount {
            for index in 0..<(h * columns) {
                let (ky, k) = (index / columns, index % columns)
                let source = (plane * h * columns + index) * 2
                real[ky * n + plane * columns + k] = spectra.scalars[source] * frequencyScale[index]
                imaginary[ky * n + plane * columns + k] = spectra.scalars[source + 1] * frequencyScale[index]
            }
        }
        let (zReal, zImaginary) = columnTransform(real, imaginary, planeCount: planeCount, transposed: false)
        // Rows: the real inverse of each half spectrum.
        var planes = [Float](repeating: 0, count: h * planeCount * w)
        planes.withUnsafeMutableBufferPointer { out in
            for (index, (z, row)) in [(zReal, rowReal), (zImaginary, rowImaginary)].enumerated() {
                Gemm.multiply(
                    m: h * planeCount, n: w, k: columns, a: z, lda: columns, b: row, ldb: w,
                    c: out.baseAddress!, ldc: w, accumulate: index > 0)
            }
        }
        return planes
    }

    /// The transpose of `spatialPlanes` (frequency scaling included), in lucent's spectra layout.
    private func spectraGradient(_ planes: [Float], batch: Int) -> Tensor {
        let planeCount = batch * channels
        let (h, w, columns) = (height, width, self.columns)
        let n = planeCount * columns
        var zReal = [Float](repeating: 0, count: h * n)
        var zImaginary = zReal
        zReal.withUnsafeMutableBufferPointer { zReal in
            zImaginary.withUnsafeMutableBufferPointer { zImaginary in
                for (row, z) in [(rowReal, zReal), (rowImaginary, zImaginary)] {
                    Gemm.multiply(
                        m: h * planeCount, n: columns, k: w, a: planes, lda: w, b: row, ldb: w, transposeB: true,
                        c: z.baseAddress!, ldc: columns, accumulate: false)
                }
            }
        }
        let (real, imaginary) = columnTransform(zReal, zImaginary, planeCount: planeCount, transposed: true)
        var gradient = Tensor(zeros: spectraShape(batch: batch))
        for plane in 0..<planeCount {
            for index in 0..<(h * columns) {
                let (ky, k) = (index / columns, index % columns)
                let target = (plane * h * columns + index) * 2
                gradient.scalars[target] = real[ky * n + plane * columns + k] * frequencyScale[index]
                gradient.scalars[target + 1] = imaginary[ky * n + plane * columns + k] * frequencyScale[index]
            }
        }
        return gradient
    }

    /// Along the height of every column of (ky, plane, k) spectra: `Z[y] = Σ_ky e^{2πi·ky·y/h} S[ky] / √h`,
    /// the inverse DFT, or (`transposed`) its transpose as a real linear map: the twiddles are
    /// symmetric, so only the sine's sign flips. Four real matrix products of height × height by
    /// height × (planes · columns).
    private func columnTransform(_ real: [Float], _ imaginary: [Float], planeCount: Int, transposed: Bool)
        -> ([Float], [Float])
    {
        let (h, n) = (height, planeCount * columns)
        let (sine, negatedSine) = transposed ? (columnNegatedSin, columnSin) : (columnSin, columnNegatedSin)
        var zReal = [Float](repeating: 0, count: h * n)
        var zImaginary = zReal
        // Re Z = C·Re S − s·Im S, Im Z = C·Im S + s·Re S, s the (signed) sine.
        zReal.withUnsafeMutableBufferPointer { out in
            for (index, (matrix, x)) in [(columnCos, real), (negatedSine, imaginary)].enumerated() {
                Gemm.multiply(
                    m: h, n: n, k: h, a: matrix, lda: h, b: x, ldb: n, c: out.baseAddress!, ldc: n, accumulate: index > 0)
            }
        }
        zImaginary.withUnsafeMutableBufferPointer { out in
            for (index, (matrix, x)) in [(columnCos, imaginary), (sine, real)].enumerated() {
                Gemm.multiply(
                    m: h, n: n, k: h, a: matrix, lda: h, b: x, ldb: n, c: out.baseAddress!, ldc: n, accumulate: index > 0)
            }
        }
        return (zReal, zImaginary)
    }
}
