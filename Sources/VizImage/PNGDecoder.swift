internal import CPNG
import VizCore

/// PNG decoding through libpng's simplified API, which reports errors in `png_image.message`
/// where the rest of libpng would `longjmp`.
///
/// The simplified API converts more than Pillow does, so the request is shaped to leave samples
/// as stored: gamma and colour-space chunks are removed before libpng sees them (Pillow ignores
/// them; libpng would re-encode), alpha is always requested when the file has it (asking for no
/// alpha makes libpng composite onto black), and 16-bit samples are read linear, unconverted,
/// then reduced to their high byte as Pillow's "RGB;16B" unpacker does. The one loss: libpng
/// premultiplies 16-bit samples that come with alpha, so those are read as 8-bit instead, which
/// rounds `v / 257` where Pillow truncates `v / 256` (at most 1 level apart).
enum PNGDecoder {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, colorMode: ColorMode, source: String) throws -> Bitmap {
        if let trimmed = PNGChunks.removingIgnoredChunks(from: bytes) {
            return try trimmed.withUnsafeBufferPointer { try decodeAsStored($0, colorMode: colorMode, source: source) }
        }
        return try decodeAsStored(bytes, colorMode: colorMode, source: source)
    }

    private static func decodeAsStored(
        _ bytes: UnsafeBufferPointer<UInt8>, colorMode: ColorMode,
        source: String
    ) throws -> Bitmap {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw VizError("not a readable PNG image: \(message(of: &image))", at: source)
        }
        let width = Int(image.width)
        let height = Int(image.height)
        try DecodedPixels.checkSize(width: width, height: height, source: source)

        let hasColor = image.format & PNG_FORMAT_FLAG_COLOR != 0
        let hasAlpha = image.format & PNG_FORMAT_FLAG_ALPHA != 0
        let isWide = image.format & PNG_FORMAT_FLAG_LINEAR != 0
        let readsWide = isWide && !hasAlpha
        image.format =
            (hasColor ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            | (readsWide ? PNG_FORMAT_FLAG_LINEAR : 0)
        if isWide && hasAlpha {
            // Tells libpng the 16-bit samples are already sRGB, so 8-bit output is not gamma-encoded.
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        }

        let stride = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
        let sampleCount = width * height * stride
        let layout: DecodedPixels.Layout = hasColor ? .rgb(stride: stride) : .gray(stride: stride)
        var succeeded = false
        let samples: [UInt8]
        if readsWide {
            let wide = [UInt16](unsafeUninitializedCapacity: sampleCount) { buffer, initialized in
                succeeded = png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil) != 0
                initialized = sampleCount
            }
            samples = wide.map { UInt8(truncatingIfNeeded: $0 >> 8) }
        } else {
            samples = [UInt8](unsafeUninitializedCapacity: sampleCount) { buffer, initialized in
                succeeded = png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil) != 0
                initialized = sampleCount
            }
        }
        guard succeeded else {
            throw VizError("cannot decode the PNG image: \(message(of: &image))", at: source)
        }
        return DecodedPixels(width: width, height: height, layout: layout, samples: samples).bitmap(colorMode)
    }

    static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// Walks a PNG's chunk list (length, type, data, CRC) to drop the chunks decoding must not honour.
enum PNGChunks {
    /// gAMA, sRGB, iCCP and cHRM would make libpng convert samples; Pillow ignores them. tRNS would
    /// turn a colour key into alpha that libpng composites or premultiplies; decoding never
    /// returns alpha, and Pillow's `convert` ignores tRNS too.
    private static let ignoredTypes: Set<UInt32> = Set(["gAMA", "sRGB", "iCCP", "cHRM", "tRNS"].map(fourCC))
    private static let endType = fourCC("IEND")

    private static func fourCC(_ text: String) -> UInt32 {
        text.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func bigEndian32(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    /// The bytes without ignored chunks, or nil when there are none to remove. A malformed chunk
    /// list is left as it is, for libpng to report.
    static func removingIgnoredChunks(from bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var dropped: [Range<Int>] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bigEndian32(bytes, at: offset))
            let type = bigEndian32(bytes, at: offset + 4)
            guard length <= bytes.count - offset - 12 else { break }
            let end = offset + 12 + length
            if ignoredTypes.contains(type) { dropped.append(offset..<end) }
            if type == endType { break }
            offset = end
        }
        guard !dropped.isEmpty else { return nil }
        var kept = [UInt8]()
        kept.reserveCapacity(bytes.count)
        var start = 0
        for range in dropped {
            kept.append(contentsOf: bytes[start..<range.lowerBound])
            start = range.upperBound
        }
        kept.append(contentsOf: bytes[start...])
        return kept
    }
}
