import Foundation
import VizCore
import VizImage

/// DeepDream as the TensorFlow tutorial runs it (`run_deep_dream_with_octaves`, without its random
/// tiling): a photo, taken into the model's input space by the config's preprocessing, is stepped
/// at a series of octaves, smallest first, the last at the photo's size; between octaves the image
/// is resized bilinearly as it is, in input space. Each step is the ascent's, kept in the range the
/// preprocessing gives 0…255 levels (the tutorial's clip to InceptionV3's [-1, 1]).
struct DeepDream {
    var octaves = 1
    var octaveScale = 1.3
    var inputMapping: InputMapping

    /// The (height, width) of each octave, smallest first: octave n of −(N−1)…0 is
    /// `size · octave_scale^n`, truncated, in float32 (the tutorial's `tf.cast(base_shape * OCTAVE_SCALE**n, tf.int32)`).
    static func octaveSizes(height: Int, width: Int, octaves: Int, scale: Double) -> [(height: Int, width: Int)] {
        (-(octaves - 1)...0).map { n in
            let factor = Float(pow(scale, Double(n)))
            return (Int(Float(height) * factor), Int(Float(width) * factor))
        }
    }

    /// The photo as the model's input (1, H, W, C): each input channel is its source channel's level
    /// through the preprocessing.
    func input(of photo: Bitmap) -> Tensor {
        let channels = inputMapping.scale.count
        precondition(photo.channels == channels)
        var input = Tensor(zeros: [1, photo.height, photo.width, channels])
        for pixel in 0..<(photo.height * photo.width) {
            for c in 0..<channels {
                let level = Float(photo.pixels[pixel * channels + inputMapping.source[c]])
                input.scalars[pixel * channels + c] = level * inputMapping.scale[c] + inputMapping.offset[c]
            }
        }
        return input
    }

    /// One dreamed item (1, H, W, C) back through the inverse preprocessing: levels clipped to
    /// 0…255 and truncated to 8 bits (the tutorial's `tf.cast(255 * (img + 1) / 2, tf.uint8)`).
    func picture(of item: Tensor) -> Bitmap {
        let (height, width, channels) = (item.shape[1], item.shape[2], item.shape[3])
        var pixels = [UInt8](repeating: 0, count: height * width * channels)
        for pixel in 0..<(height * width) {
            for c in 0..<channels {
                let level = (item.scalars[pixel * channels + c] - inputMapping.offset[c]) / inputMapping.scale[c]
                pixels[pixel * channels + inputMapping.source[c]] = UInt8(min(max(level, 0), 255))
            }
        }
        return Bitmap(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Per input channel, the values the preprocessing gives levels 0 and 255, lower first.
    var validRange: Ascent.ChannelRange {
        let ends = zip(inputMapping.scale, inputMapping.offset).map { scale, offset in (offset, 255 * scale + offset) }
        return Ascent.ChannelRange(low: ends.map { min($0.0, $0.1) }, high: ends.map { max($0.0, $0.1) })
    }

    /// Dreams every item of `start` (B, H, W, C), the photo's input, at each octave in turn with
    /// `ascent` (its optimiser state starts afresh at each octave, its transforms seeded per octave);
    /// `onStep` is called after each step, numbered across the octaves.
    func run(
        _ ascent: Ascent, start: Tensor, units: [Int], seed: UInt64, onStep: (Int, Tensor) -> Void = { _, _ in }
    ) throws -> Ascent.Result {
        var ascent = ascent
        ascent.clip = validRange
        var image = start
        var result: Ascent.Result?
        let sizes = Self.octaveSizes(height: start.shape[1], width: start.shape[2], octaves: octaves, scale: octaveScale)
        for (octave, size) in sizes.enumerated() {
            image = Self.resized(image, height: size.height, width: size.width)
            let stepped = try ascent.run(start: image, units: units, seed: seed &+ UInt64(octave)) { step, x in
                onStep(octave * ascent.steps + step, x)
            }
            image = stepped.patterns
            result =
                result.map { earlier in
                    var merged = stepped
                    merged.dead = zip(earlier.dead, stepped.dead).map { $0 && $1 }
                    merged.objectiveDead = zip(earlier.objectiveDead, stepped.objectiveDead).map { $0 && $1 }
                    return merged
                } ?? stepped
        }
        return result!
    }

    /// Each item of a (B, H, W, C) batch resized bilinearly with half-pixel centres, as `tf.image.resize` does.
    static func resized(_ batch: Tensor, height: Int, width: Int) -> Tensor {
        guard batch.shape[1] != height || batch.shape[2] != width else { return batch }
        return Tensor.concatenatingBatches(
            (0..<batch.shape[0]).map { item in
                let image = batch.batchItem(item)
                return image.reshaped(Array(image.shape.dropFirst())).resizedBilinear(height: height, width: width)
                    .reshaped([1, height, width, batch.shape[3]])
            })
    }
}
