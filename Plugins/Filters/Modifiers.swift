import Foundation
import VizCore

/// Random transforms of the input before each forward pass (Lucid's "transformation robustness",
/// tf-keras-vis's input modifiers). Each is linear in the input, so its gradient comes back through
/// its adjoint: the rolled gradient is rolled back, the warped one scattered back.
struct Modifiers: Equatable {
    /// Largest shift in pixels: each step rolls by a whole number in `-jitter ..< jitter` on each
    /// axis, with wrap-around (tf-keras-vis `Jitter`).
    var jitter = 0
    /// Largest rotation in degrees: each step turns by a uniform angle in `-rotate ... rotate`.
    var rotate: Float = 0
    /// Each step scales by a uniform factor in `scale.lo ... scale.hi` about the centre.
    var scale: (lo: Float, hi: Float) = (1, 1)

    static func == (a: Modifiers, b: Modifiers) -> Bool {
        a.jitter == b.jitter && a.rotate == b.rotate && a.scale == b.scale
    }

    var isEmpty: Bool { jitter == 0 && rotate == 0 && scale == (1, 1) }
    var warps: Bool { rotate != 0 || scale != (1, 1) }

    /// One step's random choices, the same for every item of the batch.
    struct Draw {
        var shiftY = 0
        var shiftX = 0
        var degrees: Float = 0
        var factor: Float = 1
    }

    func draw(using generator: inout SeededGenerator) -> Draw {
        var draw = Draw()
        guard !isEmpty else { return draw }
        if jitter > 0 {
            draw.shiftY = Int(generator.next() % UInt64(2 * jitter)) - jitter
            draw.shiftX = Int(generator.next() % UInt64(2 * jitter)) - jitter
        }
        if rotate != 0 { draw.degrees = generator.uniform(-rotate, rotate) }
        if scale != (1, 1) { draw.factor = scale.lo == scale.hi ? scale.lo : generator.uniform(scale.lo, scale.hi) }
        return draw
    }

    func apply(_ draw: Draw, to x: Tensor) -> Tensor {
        var out = x
        if draw.degrees != 0 || draw.factor != 1 {
            let warp = Resampling.warp(height: x.shape[1], width: x.shape[2], degrees: draw.degrees, factor: draw.factor)
            out = warp.forward(out, fill: Array(repeating: 0, count: x.shape[3]))
        }
        if draw.shiftY != 0 || draw.shiftX != 0 { out = Self.roll(out, dy: draw.shiftY, dx: draw.shiftX) }
        return out
    }

    /// The transpose of `apply`: d(loss)/d(x) from d(loss)/d(apply(x)).
    func adjoint(_ draw: Draw, of gradient: Tensor) -> Tensor {
        var out = gradient
        if draw.shiftY != 0 || draw.shiftX != 0 { out = Self.roll(out, dy: -draw.shiftY, dx: -draw.shiftX) }
        if draw.degrees != 0 || draw.factor != 1 {
            out = Resampling.warp(height: out.shape[1], width: out.shape[2], degrees: draw.degrees, factor: draw.factor)
                .adjoint(out)
        }
        return out
    }

    /// `tf.roll(x, shift=(dy, dx), axis=(1, 2))` of a (B, H, W, C) tensor: `out[y] = x[(y − dy) mod H]`.
    static func roll(_ x: Tensor, dy: Int, dx: Int) -> Tensor {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = Tensor(zeros: x.shape)
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                for b in 0..<batch {
                    for y in 0..<height {
                        let sourceY = ((y - dy) % height + height) % height
                        for xx in 0..<width {
                            let sourceX = ((xx - dx) % width + width) % width
                            let target = ((b * height + y) * width + xx) * channels
                            let source = ((b * height + sourceY) * width + sourceX) * channels
                            for c in 0..<channels { output[target + c] = input[source + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension Resampling {
    /// A rotation by `degrees` and scaling by `factor` about the image centre, sampled bilinearly;
    /// samples that fall outside take the nearest edge pixel.
    static func warp(height: Int, width: Int, degrees: Float, factor: Float) -> Resampling {
        let angle = Double(degrees) * .pi / 180
        let (cosine, sine) = (cos(angle), sin(angle))
        let (centreY, centreX) = (Double(height - 1) / 2, Double(width - 1) / 2)
        return Resampling(source: (height, width), size: (height, width), fillLevel: 0) { y, x in
            // The source of an output pixel: the inverse rotation and scaling of its offset.
            let (ry, rx) = (Double(y) - centreY, Double(x) - centreX)
            let sourceY = centreY + (cosine * ry - sine * rx) / Double(factor)
            let sourceX = centreX + (sine * ry + cosine * rx) / Double(factor)
            return bilinear(y: sourceY, x: sourceX).map { tap in
                (min(max(tap.y, 0), height - 1), min(max(tap.x, 0), width - 1), tap.weight)
            }
        }
    }
}
