import Foundation
import VizCore

/// `{scale: [factors]}`: lucent's `random_scale(scales)`, one factor drawn from the list each step:
/// bilinear resizing (align_corners true) to `ceil(factor · size)`, then, when that is smaller,
/// black padding of `ceil((size − scaled) / 2)` on the left and top by the height's difference,
/// on the right and bottom by the width's (lucent passes `[pad_y, pad_x] * 2` to `F.pad`).
struct RandomScale: ImageTransform, Equatable {
    let factors: [Double]
    var resizes: Bool { true }

    func choose(using generator: inout SeededGenerator) -> Double {
        factors[Int(generator.next() % UInt64(factors.count))]
    }

    func resampling(height: Int, width: Int, choice factor: Double) -> Resampling {
        // In float64, as NumPy multiplies lucent's Python floats: 1.1 · 10 rounds up to 12.
        let scaled = [height, width].map { Int((factor * Double($0)).rounded(.up)) }
        let (padY, padX) = (
            max(0, Int((Double(height - scaled[0]) / 2).rounded(.up))),
            max(0, Int((Double(width - scaled[1]) / 2).rounded(.up)))
        )
        // PyTorch's align_corners source index, in float: `(in − 1) / (out − 1) · index`.
        func ratio(_ source: Int, _ target: Int) -> Float { target > 1 ? Float(source - 1) / Float(target - 1) : 0 }
        let (ratioY, ratioX) = (ratio(height, scaled[0]), ratio(width, scaled[1]))
        return Resampling(
            source: (height, width), size: (scaled[0] + padY + padX, scaled[1] + padY + padX), fillLevel: 0
        ) { y, x in
            let (row, column) = (y - padY, x - padY)
            guard row >= 0, row < scaled[0], column >= 0, column < scaled[1] else { return [] }
            return Self.linearTaps(Float(row) * ratioY, source: height).flatMap { sy in
                Self.linearTaps(Float(column) * ratioX, source: width).map { sx in (sy.index, sx.index, sy.weight * sx.weight) }
            }
        }
    }

    /// PyTorch's upsample_bilinear2d along one axis: the lower neighbour and the next (clamped to
    /// the last), weighted by the fraction.
    private static func linearTaps(_ position: Float, source: Int) -> [(index: Int, weight: Float)] {
        let lower = Int(position)
        let fraction = position - Float(lower)
        return [(lower, 1 - fraction), (min(lower + 1, source - 1), fraction)]
    }
}
