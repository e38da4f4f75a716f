import Foundation
import VizCore

extension Bitmap {
    /// Decodes a JPEG or PNG file to the pixels `keras.utils.load_img(path, color_mode:)` returns
    /// (before any resize), telling the format by its leading bytes, never by its extension.
    ///
    /// Like Keras, it ignores EXIF orientation, gamma and ICC profiles, and drops alpha without
    /// compositing. 16-bit PNG samples keep their high byte, as Pillow keeps them for colour
    /// images (Keras clips 16-bit grey to 255 in rgb mode and keeps all 16 bits in grayscale
    /// mode; vizrun treats grey like colour). 16-bit samples with alpha can be 1 level above
    /// Pillow's, see `PNGDecoder`.
    ///
    /// - Throws: `VizError` located at `path` when the file is missing, unreadable, truncated,
    ///   corrupt or in another format.
    public init(contentsOfFile path: String, colorMode: ColorMode = .rgb) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw VizError(
                !exists ? "no such file" : isDirectory.boolValue ? "is a directory, not an image" : "cannot read the file",
                at: path)
        }
        try self.init(encodedImage: data, colorMode: colorMode, source: path)
    }

    /// Decodes JPEG or PNG bytes; `source` names them in errors.
    public init(encodedImage data: Data, colorMode: ColorMode = .rgb, source: String = "<image>") throws {
        self = try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            switch EncodedImageFormat(sniffing: bytes) {
            case .jpeg: return try JPEGDecoder.decode(bytes, colorMode: colorMode, source: source)
            case .png: return try PNGDecoder.decode(bytes, colorMode: colorMode, source: source)
            case nil: throw VizError("not a JPEG or PNG image (its first bytes match neither)", at: source)
            }
        }
    }
}

enum EncodedImageFormat {
    case jpeg
    case png

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    init?(sniffing bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            self = .jpeg
        } else if bytes.count >= 8, bytes.prefix(8).elementsEqual(Self.pngSignature) {
            self = .png
        } else {
            return nil
        }
    }
}
