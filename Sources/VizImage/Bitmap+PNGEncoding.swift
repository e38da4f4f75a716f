internal import CPNG
import Foundation
import VizCore

extension Bitmap {
    /// The bitmap as an 8-bit PNG (gray, RGB or RGBA by `channels`), written by libpng's
    /// simplified API with its fast settings: outputs are written often and read rarely.
    public func pngData() throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = switch channels {
        case 1: 0  // gray
        case 3: PNG_FORMAT_FLAG_COLOR
        default: PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA
        }
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        defer { png_image_free(&image) }

        // Room for incompressible data in stored deflate blocks plus chunk overhead, so one
        // compression pass normally suffices.
        let rawSize = height * (1 + width * channels)
        var capacity = rawSize + rawSize / 8 + rawSize / 64 + 12 * (rawSize / 8192 + 1) + 1024
        for _ in 0..<2 {
            var written = capacity
            var output = Data(count: capacity)
            let succeeded = output.withUnsafeMutableBytes { memory in
                pixels.withUnsafeBufferPointer { input in
                    png_image_write_to_memory(&image, memory.baseAddress, &written, 0, input.baseAddress, 0, nil) != 0
                }
            }
            if succeeded {
                output.count = written
                return output
            }
            guard written > capacity else { break }
            capacity = written  // libpng reports the size it needs when the buffer was short
            image.warning_or_error = 0
        }
        throw VizError("cannot encode a \(width)x\(height) PNG: \(PNGDecoder.message(of: &image))")
    }

    /// Writes the bitmap as a PNG file at `path`, replacing any file there.
    public func writePNG(toFile path: String) throws {
        let data = try pngData()
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw VizError("cannot write the PNG file: \(error.localizedDescription)", at: path)
        }
    }
}
