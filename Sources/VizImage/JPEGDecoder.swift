internal import CJPEG
import VizCore

/// JPEG decoding through TurboJPEG, decoding as Pillow does: accurate integer IDCT and fancy
/// (smooth) chroma upsampling, libjpeg's defaults.
///
/// TurboJPEG rather than libjpeg's own API because libjpeg reports errors through an `error_exit`
/// that must not return, which needs `setjmp`/`longjmp` around every call; TurboJPEG does that
/// internally and returns error codes.
enum JPEGDecoder {
    /// libjpeg's JWRN_JPEG_EOF text. TurboJPEG reports it as a mere warning, but Pillow, and so
    /// Keras, refuses an image whose data ends early.
    private static let endOfFileWarning = "Premature end of JPEG file"

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, colorMode: ColorMode, source: String) throws -> Bitmap {
        guard let decoder = tjInitDecompress() else {
            throw VizError("cannot start the JPEG decoder: \(lastError(of: nil))", at: source)
        }
        defer { tjDestroy(decoder) }

        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        guard
            tjDecompressHeader3(
                decoder, bytes.baseAddress, UInt(bytes.count),
                &width, &height, &subsampling, &colorspace) == 0
        else {
            throw VizError("not a readable JPEG image: \(lastError(of: decoder))", at: source)
        }

        guard width > 0 && height > 0 else {
            // TurboJPEG accepts a stream that ends before any frame header.
            throw VizError("not a readable JPEG image: it ends before its frame header", at: source)
        }
        try DecodedPixels.checkSize(width: Int(width), height: Int(height), source: source)

        let layout: DecodedPixels.Layout
        let pixelFormat: TJPF
        switch TJCS(UInt32(colorspace)) {
        case TJCS_GRAY:
            (layout, pixelFormat) = (.gray(stride: 1), TJPF_GRAY)
        case TJCS_CMYK, TJCS_YCCK:
            (layout, pixelFormat) = (.invertedCMYK, TJPF_CMYK)
        default:
            (layout, pixelFormat) = (.rgb(stride: 3), TJPF_RGB)
        }

        let count = Int(width) * Int(height) * layout.stride
        var status: Int32 = 0
        let samples = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = tjDecompress2(
                decoder, bytes.baseAddress, UInt(bytes.count), buffer.baseAddress,
                width, 0, height, Int32(pixelFormat.rawValue), 0)
            // On failure the buffer may be partly written; it is thrown away below.
            initialized = count
        }
        if status != 0 {
            let message = lastError(of: decoder)
            if tjGetErrorCode(decoder) != Int32(TJERR_WARNING.rawValue) {
                throw VizError("cannot decode the JPEG image: \(message)", at: source)
            }
            if message.hasPrefix(endOfFileWarning) {
                throw VizError("truncated JPEG image: the data ends before the image does", at: source)
            }
            // Other warnings (e.g. extraneous bytes before a marker) do not stop Pillow either.
        }
        return DecodedPixels(width: Int(width), height: Int(height), layout: layout, samples: samples)
            .bitmap(colorMode)
    }

    private static func lastError(of decoder: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(decoder) else { return "unknown error" }
        return String(cString: text).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
