import Foundation
import VizCore

/// The blur of the RISE paper's evaluation code (Petsiuk et al., 2018, `evaluation.py`): each
/// channel correlated with an 11 × 11 kernel, zero padding 5, the kernel a Dirac smoothed by
/// `scipy.ndimage.gaussian_filter(σ = 5)`, whose reflecting border folds the Gaussian back into
/// the window. The baseline of deletion and insertion (`baseline: blurred`) and of Integrated
/// Gradients.
enum RISEBlur {
    static let size = 11
    static let sigma = 5.0

    /// The 11 × 11 kernel, row-major, as the paper's `gkern(11, 5)` (float32).
    static let kernel: [Float] = {
        let line = smoothedDirac()
        return line.flatMap { row in line.map { Float(row * $0) } }
    }()

    /// `gaussian_filter1d` of a Dirac at the centre of `size` samples: scipy's weights
    /// (`exp(−x²/2σ²)` over |x| ≤ ⌊4σ + 0.5⌋, normalised) and its `reflect` border, which mirrors
    /// about the edge (d c b a | a b c d | d c b a) as often as the radius needs.
    private static func smoothedDirac() -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        let raw = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = raw.reduce(0, +)
        let period = 2 * size
        return (0..<size).map { i in
            (-radius...radius).reduce(0.0) { sum, offset in
                var j = (i + offset) % period
                if j < 0 { j += period }
                if j >= size { j = period - 1 - j }
                return j == size / 2 ? sum + raw[offset + radius] / total : sum
            }
        }
    }

    /// `input` (1, H, W, C) blurred channel by channel.
    static func blurred(_ input: Tensor) -> Tensor {
        let (height, width, channels) = (input.shape[1], input.shape[2], input.shape[3])
        let half = size / 2
        var result = [Float](repeating: 0, count: input.count)
        for y in 0..<height {
            for x in 0..<width {
                var sums = [Double](repeating: 0, count: channels)
                for ky in max(0, half - y)..<min(size, height + half - y) {
                    for kx in max(0, half - x)..<min(size, width + half - x) {
                        let weight = Double(kernel[ky * size + kx])
                        let base = ((y + ky - half) * width + x + kx - half) * channels
                        for c in 0..<channels { sums[c] += weight * Double(input.scalars[base + c]) }
                    }
                }
                for c in 0..<channels { result[(y * width + x) * channels + c] = Float(sums[c]) }
            }
        }
        return Tensor(shape: input.shape, scalars: result)
    }
}
