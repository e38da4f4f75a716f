import Foundation
import VizCore

/// A linear resampling of (batch, height, width, channels) images, the same for every item and
/// channel: each output pixel is a weighted sum of up to four source pixels plus a share of a
/// constant fill (what the transform pads with, or what a sample outside the source reads).
/// Every transform is one of these, so its gradient is the exact transpose, `adjoint`.
struct Resampling {
    let sourceHeight: Int
    let sourceWidth: Int
    let height: Int
    let width: Int
    /// The fill as a 0…1 level: mapped into the model's input space per channel when applied.
    let fillLevel: Float
    /// Per output pixel, four source pixels (y · sourceWidth + x) and their weights (0 for unused taps).
    private(set) var taps: [Int]
    private(set) var weights: [Float]
    /// Per output pixel, the weight of the fill: 1 minus the weights of the taps inside the source.
    private(set) var fillWeights: [Float]

    /// Builds the taps from `sample`, which gives each output pixel (y, x) its source taps as
    /// (y, x, weight); taps outside the source fall to the fill.
    init(
        source: (height: Int, width: Int), size: (height: Int, width: Int), fillLevel: Float,
        sample: (_ y: Int, _ x: Int) -> [(y: Int, x: Int, weight: Float)]
    ) {
        (sourceHeight, sourceWidth) = source
        (height, width) = size
        self.fillLevel = fillLevel
        taps = [Int](repeating: 0, count: height * width * 4)
        weights = [Float](repeating: 0, count: height * width * 4)
        fillWeights = [Float](repeating: 1, count: height * width)
        for y in 0..<height {
            for x in 0..<width {
                let pixel = y * width + x
                for (tap, (sy, sx, weight)) in sample(y, x).prefix(4).enumerated()
                where sy >= 0 && sy < source.height && sx >= 0 && sx < source.width {
                    taps[pixel * 4 + tap] = sy * source.width + sx
                    weights[pixel * 4 + tap] = weight
                    fillWeights[pixel] -= weight
                }
            }
        }
    }

    /// The four bilinear taps around the source point (y, x), in pixel coordinates.
    static func bilinear(y: Double, x: Double) -> [(y: Int, x: Int, weight: Float)] {
        let (y0, x0) = (Int(y.rounded(.down)), Int(x.rounded(.down)))
        let (fy, fx) = (Float(y - Double(y0)), Float(x - Double(x0)))
        return [
            (y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
            (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx),
        ]
    }

    /// The resampled batch; `fill[c]` is the fill level in input channel c.
    func forward(_ x: Tensor, fill: [Float]) -> Tensor {
        let (batch, channels) = (x.shape[0], x.shape[3])
        precondition(x.shape[1] == sourceHeight && x.shape[2] == sourceWidth && fill.count == channels)
        var out = Tensor(zeros: [batch, height, width, channels])
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                for b in 0..<batch {
                    for pixel in 0..<(height * width) {
                        let target = (b * height * width + pixel) * channels
                        for c in 0..<channels { output[target + c] = fillWeights[pixel] * fill[c] }
                    }
                }
                forEachTap(batch: batch, channels: channels) { target, source, weight in
                    for c in 0..<channels { output[target + c] += weight * input[source + c] }
                }
            }
        }
        return out
    }

    /// The transpose of `forward` in the image (the fill is a constant): d(loss)/d(x) from d(loss)/d(forward(x)).
    func adjoint(_ gradient: Tensor) -> Tensor {
        let (batch, channels) = (gradient.shape[0], gradient.shape[3])
        precondition(gradient.shape[1] == height && gradient.shape[2] == width)
        var out = Tensor(zeros: [batch, sourceHeight, sourceWidth, channels])
        gradient.scalars.withUnsafeBufferPointer { upstream in
            out.scalars.withUnsafeMutableBufferPointer { output in
                forEachTap(batch: batch, channels: channels) { target, source, weight in
                    for c in 0..<channels { output[source + c] += weight * upstream[target + c] }
                }
            }
        }
        return out
    }

    /// Visits every tap with a weight, in order: the offsets of its output and source pixels'
    /// first scalars (batch included) and its weight.
    private func forEachTap(batch: Int, channels: Int, _ body: (_ target: Int, _ source: Int, _ weight: Float) -> Void) {
        let (sourcePixels, pixels) = (sourceHeight * sourceWidth, height * width)
        for b in 0..<batch {
            for pixel in 0..<pixels {
                for tap in (pixel * 4)..<(pixel * 4 + 4) where weights[tap] != 0 {
                    body((b * pixels + pixel) * channels, (b * sourcePixels + taps[tap]) * channels, weights[tap])
                }
            }
        }
    }
}
