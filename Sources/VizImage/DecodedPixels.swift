import VizCore

/// Samples as a decoder produced them, before they become a `Bitmap` in the requested `ColorMode`
/// with Pillow's conversions.
struct DecodedPixels {
    enum Layout: Equatable {
        /// Gray first in each pixel of `stride` samples (2 when alpha follows).
        case gray(stride: Int)
        /// Red, green, blue first in each pixel of `stride` samples (4 when alpha follows).
        case rgb(stride: Int)
        /// Four samples per pixel stored inverted, as Adobe writes CMYK JPEGs and Pillow reads
        /// every four-component JPEG ("CMYK;I").
        case invertedCMYK

        var stride: Int {
            switch self {
            case .gray(let stride), .rgb(let stride): stride
            case .invertedCMYK: 4
            }
        }
    }

    var width: Int
    var height: Int
    var layout: Layout
    var samples: [UInt8]

    /// Pillow refuses images of more than twice `Image.MAX_IMAGE_PIXELS` as decompression bombs;
    /// so does vizrun, before allocating anything.
    static let pixelLimit = 2 * (1024 * 1024 * 1024 / 4 / 3)

    static func checkSize(width: Int, height: Int, source: String) throws {
        guard width * height <= pixelLimit else {
            throw VizError("the image has \(width)x\(height) pixels, more than the \(pixelLimit) Pillow accepts", at: source)
        }
    }

    func bitmap(_ colorMode: ColorMode) -> Bitmap {
        switch (layout, colorMode) {
        case (.gray(stride: 1), .grayscale), (.rgb(stride: 3), .rgb):
            return Bitmap(width: width, height: height, channels: colorMode.channels, pixels: samples)
        default:
            return Bitmap(
                width: width, height: height, channels: colorMode.channels,
                pixels: converted(to: colorMode))
        }
    }

    private func converted(to colorMode: ColorMode) -> [UInt8] {
        let pixelCount = width * height
        let outChannels = colorMode.channels
        let stride = layout.stride
        return [UInt8](unsafeUninitializedCapacity: pixelCount * outChannels) { output, initialized in
            samples.withUnsafeBufferPointer { input in
                let source = input.baseAddress!
                let target = output.baseAddress!
                switch (layout, colorMode) {
                case (.gray, .grayscale):
                    for pixel in 0..<pixelCount { target[pixel] = source[pixel * stride] }
                case (.gray, .rgb):
                    for pixel in 0..<pixelCount {
                        let gray = source[pixel * stride]
                        target[pixel * 3] = gray
                        target[pixel * 3 + 1] = gray
                        target[pixel * 3 + 2] = gray
                    }
                case (.rgb, .rgb):
                    for pixel in 0..<pixelCount {
                        target[pixel * 3] = source[pixel * stride]
                        target[pixel * 3 + 1] = source[pixel * stride + 1]
                        target[pixel * 3 + 2] = source[pixel * stride + 2]
                    }
                case (.rgb, .grayscale):
                    for pixel in 0..<pixelCount {
                        let rgb = source + pixel * stride
                        target[pixel] = Self.luma(rgb[0], rgb[1], rgb[2])
                    }
                case (.invertedCMYK, _):
                    for pixel in 0..<pixelCount {
                        let (red, green, blue) = Self.rgb(invertedCMYK: source + pixel * 4)
                        if outChannels == 1 {
                            target[pixel] = Self.luma(red, green, blue)
                        } else {
                            target[pixel * 3] = red
                            target[pixel * 3 + 1] = green
                            target[pixel * 3 + 2] = blue
                        }
                    }
                }
            }
            initialized = pixelCount * outChannels
        }
    }

    /// Pillow's `L24(rgb) >> 16`.
    @inline(__always)
    static func luma(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(red) &* 19595 &+ UInt32(green) &* 38470 &+ UInt32(blue) &* 7471 &+ 0x8000) >> 16)
    }

    /// Pillow's `cmyk2rgb` after undoing the inversion: `255 - k - (c × (255 - k)) / 255` with its
    /// rounded division by 255.
    @inline(__always)
    static func rgb(invertedCMYK pixel: UnsafePointer<UInt8>) -> (UInt8, UInt8, UInt8) {
        let inkless = Int32(pixel[3]) // 255 - k, since k is stored inverted
        func channel(_ stored: UInt8) -> UInt8 {
            let product = (255 - Int32(stored)) * inkless + 128
            let value = inkless - (((product >> 8) + product) >> 8)
            return UInt8(clamping: value)
        }
        return (channel(pixel[0]), channel(pixel[1]), channel(pixel[2]))
    }
}
