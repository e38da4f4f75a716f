import VizCore

/// The book's `deprocess_image`: one pattern (H, W, C) to 8-bit levels.
enum Deprocess {
    /// `x -= mean; x /= std + 1e-5; x *= 0.1; x += 0.5; clip(0, 1); x *= 255; clip(0, 255).astype(uint8)`
    /// (statistics over the whole pattern, truncation toward zero as NumPy's cast).
    static func levels(_ pattern: [Float]) -> [UInt8] {
        let count = Double(pattern.count)
        let mean = pattern.reduce(0.0) { $0 + Double($1) } / count
        let variance = pattern.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        let std = variance.squareRoot() + 1e-5
        return pattern.map { value in
            var v = (Double(value) - mean) / std * 0.1 + 0.5
            v = min(max(v, 0), 1) * 255
            return UInt8(min(max(v, 0), 255))
        }
    }

    /// A pattern (H, W, C) as a picture: grey for C = 1, RGB for C = 3 (reversed from BGR when
    /// `bgr`), the channel mean in grey otherwise.
    static func bitmap(_ pattern: Tensor, bgr: Bool = false) -> Bitmap {
        picture(levels(pattern.scalars), shape: pattern.shape, bgr: bgr)
    }

    /// A picture already in 0…1 (an `fft` or `laplacian` pattern, in RGB order), ×255 and truncated to 8 bits,
    /// drawn as `bitmap` draws levels.
    static func valid(_ picture: Tensor) -> Bitmap {
        Self.picture(picture.scalars.map { UInt8(min(max($0, 0), 1) * 255) }, shape: picture.shape, bgr: false)
    }

    private static func picture(_ levels: [UInt8], shape: [Int], bgr: Bool) -> Bitmap {
        let (height, width, channels) = (shape[0], shape[1], shape[2])
        switch channels {
        case 1:
            return Bitmap(width: width, height: height, channels: 1, pixels: levels)
        case 3:
            guard bgr else { return Bitmap(width: width, height: height, channels: 3, pixels: levels) }
            var pixels = levels
            for pixel in 0..<(height * width) { pixels.swapAt(pixel * 3, pixel * 3 + 2) }
            return Bitmap(width: width, height: height, channels: 3, pixels: pixels)
        default:
            let pixels = (0..<(height * width)).map { pixel in
                UInt8((0..<channels).reduce(0) { $0 + Int(levels[pixel * channels + $1]) } / channels)
            }
            return Bitmap(width: width, height: height, channels: 1, pixels: pixels)
        }
    }
}
