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
            out = Warp(height: x.shape[1], width: x.shape[2], degrees: draw.degrees, factor: draw.factor).forward(out)
        }
        if draw.shiftY != 0 || draw.shiftX != 0 { out = Self.roll(out, dy: draw.shiftY, dx: draw.shiftX) }
        return out
    }

    /// The transpose of `apply`: d(loss)/d(x) from d(loss)/d(apply(x)).
    func adjoint(_ draw: Draw, of gradient: Tensor) -> Tensor {
        var out = gradient
        if draw.shiftY != 0 || draw.shiftX != 0 { out = Self.roll(out, dy: -draw.shiftY, dx: -draw.shiftX) }
        if draw.degrees != 0 || draw.factor != 1 {
            out = Warp(height: out.shape[1], width: out.shape[2], degrees: draw.degrees, factor: draw.factor).adjoint(out)
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

/// A rotation and scaling about the image centre, sampled bilinearly; samples that fall outside
/// take the nearest edge pixel. Linear in the input, with its exact transpose.
struct Warp {
    /// Per output pixel: four source pixels and their weights.
    let indices: [Int]
    let weights: [Float]
    let height: Int
    let width: Int

    init(height: Int, width: Int, degrees: Float, factor: Float) {
        self.height = height
        self.width = width
        let angle = Double(degrees) * .pi / 180
        let (cosine, sine) = (cos(angle), sin(angle))
        let (centreY, centreX) = (Double(height - 1) / 2, Double(width - 1) / 2)
        var indices = [Int](repeating: 0, count: height * width * 4)
        var weights = [Float](repeating: 0, count: height * width * 4)
        for y in 0..<height {
            for x in 0..<width {
                // The source of an output pixel: the inverse rotation and scaling of its offset.
                let (ry, rx) = (Double(y) - centreY, Double(x) - centreX)
                let sourceY = centreY + (cosine * ry - sine * rx) / Double(factor)
                let sourceX = centreX + (sine * ry + cosine * rx) / Double(factor)
                let (y0, x0) = (Int(sourceY.rounded(.down)), Int(sourceX.rounded(.down)))
                let (fy, fx) = (Float(sourceY - Double(y0)), Float(sourceX - Double(x0)))
                func clampY(_ v: Int) -> Int { min(max(v, 0), height - 1) }
                func clampX(_ v: Int) -> Int { min(max(v, 0), width - 1) }
                let base = (y * width + x) * 4
                indices[base] = clampY(y0) * width + clampX(x0)
                indices[base + 1] = clampY(y0) * width + clampX(x0 + 1)
                indices[base + 2] = clampY(y0 + 1) * width + clampX(x0)
                indices[base + 3] = clampY(y0 + 1) * width + clampX(x0 + 1)
                weights[base] = (1 - fy) * (1 - fx)
                weights[base + 1] = (1 - fy) * fx
                weights[base + 2] = fy * (1 - fx)
                weights[base + 3] = fy * fx
            }
        }
        self.indices = indices
        self.weights = weights
    }

    func forward(_ x: Tensor) -> Tensor {
        var out = Tensor(zeros: x.shape)
        forEachTap(x.shape) { target, source, weight, channels in
            for c in 0..<channels { out.scalars[target + c] += weight * x.scalars[source + c] }
        }
        return out
    }

    func adjoint(_ gradient: Tensor) -> Tensor {
        var out = Tensor(zeros: gradient.shape)
        forEachTap(gradient.shape) { target, source, weight, channels in
            for c in 0..<channels { out.scalars[source + c] += weight * gradient.scalars[target + c] }
        }
        return out
    }

    /// Visits every non-zero bilinear tap: the output pixel's offset, the source pixel's offset (both
    /// in scalars, batch included), the tap's weight and the channel count.
    private func forEachTap(_ shape: [Int], _ body: (_ target: Int, _ source: Int, _ weight: Float, _ channels: Int) -> Void) {
        let (batch, channels) = (shape[0], shape[3])
        let pixels = height * width
        for b in 0..<batch {
            let offset = b * pixels * channels
            for pixel in 0..<pixels {
                for tap in 0..<4 {
                    let weight = weights[pixel * 4 + tap]
                    guard weight != 0 else { continue }
                    body(offset + pixel * channels, offset + indices[pixel * 4 + tap] * channels, weight, channels)
                }
            }
        }
    }
}
