internal import CPNG
import Foundation
import VizCore

/// A PNG written straight to a file a band of rows at a time, so a picture too large to hold
/// twice (a contact sheet page) is held one band at a time and never encoded in memory.
public final class PNGFileWriter {
    private var stream = vizrun_png_stream()
    private let path: String
    private let width: Int
    private let channels: Int
    private var rowsLeft: Int
    private var open = true

    /// Starts `path` (replacing any file there) as a `width` × `height` image of `channels`
    /// channels, compressed at zlib's fastest level with libpng's adaptive row filters, which
    /// suit photographs (a contact sheet page: 0.55 of the raw size, against 0.88 without filters).
    public init(path: String, width: Int, height: Int, channels: Int) throws {
        (self.path, self.width, self.channels, rowsLeft) = (path, width, channels, height)
        guard vizrun_png_stream_begin(&stream, path, UInt32(width), UInt32(height), Int32(channels), 1) != 0 else {
            open = false
            throw VizError("cannot write the PNG file: \(message)", at: path)
        }
    }

    deinit {
        if open { _ = vizrun_png_stream_close(&stream) }
    }

    /// Appends the band's rows; it must be as wide as the image and have as many channels.
    public func append(_ band: Bitmap) throws {
        precondition(band.width == width && band.channels == channels && band.height <= rowsLeft, "a band that does not fit")
        let written = band.pixels.withUnsafeBufferPointer {
            vizrun_png_stream_rows(&stream, $0.baseAddress, UInt32(band.height), width * channels)
        }
        guard written != 0 else { return try fail() }
        rowsLeft -= band.height
    }

    /// Ends the image; the file is whole once this returns.
    public func finish() throws {
        precondition(rowsLeft == 0, "\(rowsLeft) rows were not written")
        guard vizrun_png_stream_end(&stream) != 0 else { return try fail() }
        open = false
    }

    private var message: String {
        withUnsafeBytes(of: &stream.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private func fail() throws {
        open = false
        throw VizError("cannot write the PNG file: \(message)", at: path)
    }
}
