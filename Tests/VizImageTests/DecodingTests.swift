import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

/// Decoded pixels against `keras.utils.load_img(path, color_mode=...)` + `img_to_array`.
final class DecodingTests: XCTestCase {
    /// Pillow's wheels bundle libjpeg-turbo 3.x, Debian 12 ships 2.1.5; both use the accurate
    /// integer IDCT and fancy upsampling, which libjpeg-turbo keeps bit-exact across versions.
    private static let jpegTolerance: Float = 0

    private func assertDecodes(
        _ name: String, within levels: Float = 0,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let stem = name.replacingOccurrences(of: ".", with: "_")
        for mode in ColorMode.allCases {
            let bitmap = try Bitmap(contentsOfFile: Fixtures.path("images/\(name)"), colorMode: mode)
            let reference = mode == .rgb ? "\(stem).rgb.npy" : "\(stem).gray.npy"
            try assertPixels(bitmap, match: reference, within: levels, file: file, line: line)
        }
    }

    func testBaselineJPEG() throws { try assertDecodes("photo_baseline.jpg", within: Self.jpegTolerance) }
    func testProgressiveJPEG() throws { try assertDecodes("photo_progressive.jpg", within: Self.jpegTolerance) }
    func testJPEG422() throws { try assertDecodes("photo_422.jpg", within: Self.jpegTolerance) }
    func testJPEG444() throws { try assertDecodes("photo_444.jpg", within: Self.jpegTolerance) }
    func testGrayscaleJPEG() throws { try assertDecodes("photo_gray.jpg", within: Self.jpegTolerance) }
    func testCMYKJPEG() throws { try assertDecodes("photo_cmyk.jpg", within: Self.jpegTolerance) }

    /// libjpeg warns about bytes between the last scan and EOI; Pillow loads the image anyway.
    func testJPEGWithExtraneousBytesStillDecodes() throws {
        try assertDecodes("photo_extraneous.jpg", within: Self.jpegTolerance)
    }

    func testRGBPNG() throws { try assertDecodes("photo_rgb.png") }
    func testRGBAPNGDropsAlphaWithoutCompositing() throws { try assertDecodes("photo_rgba.png") }
    func testGrayPNG() throws { try assertDecodes("photo_gray.png") }
    func testGrayAlphaPNG() throws { try assertDecodes("photo_gray_alpha.png") }
    func testPaletteWithTransparencyPNG() throws { try assertDecodes("photo_palette.png") }
    func testRGBWithTransparentKeyPNG() throws { try assertDecodes("photo_rgb_trns.png") }
    func testFourBitGrayPNG() throws { try assertDecodes("photo_gray4.png") }
    func testInterlacedPNG() throws { try assertDecodes("photo_interlaced.png") }

    /// Pillow ignores gAMA; libpng's simplified API would re-encode a gamma-1.0 file.
    func testGammaChunkIsIgnored() throws { try assertDecodes("photo_gamma.png") }

    func testSixteenBitRGBPNGKeepsHighByte() throws { try assertDecodes("photo_rgb16.png") }

    /// libpng premultiplies 16-bit samples that carry alpha, so these are read as 8-bit, rounding
    /// `v / 257` where Pillow truncates `v / 256`.
    func testSixteenBitRGBAPNGIsWithinOneLevel() throws { try assertDecodes("photo_rgba16.png", within: 1) }

    /// Keras keeps a 16-bit gray PNG 16-bit in grayscale mode and clips it to 255 in rgb mode;
    /// vizrun keeps the high byte, as Pillow does for 16-bit colour.
    func testSixteenBitGrayPNGKeepsHighByte() throws {
        let path = Fixtures.path("images/photo_gray16.png")
        try assertPixels(try Bitmap(contentsOfFile: path, colorMode: .grayscale), match: "photo_gray16_png.high_byte.npy")
        let rgb = try Bitmap(contentsOfFile: path, colorMode: .rgb)
        let gray = try Bitmap(contentsOfFile: path, colorMode: .grayscale)
        XCTAssertEqual(rgb.pixels, gray.pixels.flatMap { [$0, $0, $0] })
    }

    func testFormatComesFromContentNotExtension() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-png-named-\(UUID()).jpg")
        try FileManager.default.copyItem(atPath: Fixtures.path("images/photo_rgb.png"), toPath: copy.path)
        defer { try? FileManager.default.removeItem(at: copy) }
        try assertPixels(try Bitmap(contentsOfFile: copy.path), match: "photo_rgb_png.rgb.npy")
    }

    // MARK: - Failures

    func testMissingFile() {
        let path = Fixtures.path("images/no-such-image.jpg")
        assertVizError(at: path, message: "no such file") { _ = try Bitmap(contentsOfFile: path) }
    }

    func testTruncatedJPEG() {
        let path = Fixtures.path("images/truncated.jpg")
        assertVizError(at: path, message: "truncated JPEG image: the data ends before the image does") {
            _ = try Bitmap(contentsOfFile: path)
        }
    }

    func testTruncatedPNG() {
        let path = Fixtures.path("images/truncated.png")
        assertVizError(at: path, message: "cannot decode the PNG image: read beyond end of data") {
            _ = try Bitmap(contentsOfFile: path)
        }
    }

    func testGarbageBytes() {
        let path = Fixtures.path("images/garbage.jpg")
        assertVizError(at: path, message: "not a JPEG or PNG image (its first bytes match neither)") {
            _ = try Bitmap(contentsOfFile: path)
        }
    }

    func testDirectoryIsNotAnImage() {
        let path = Fixtures.path("images")
        assertVizError(at: path, message: "is a directory, not an image") { _ = try Bitmap(contentsOfFile: path) }
    }

    func testCorruptJPEGAfterValidHeader() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/photo_baseline.jpg"))))
        // Overwrite the Huffman tables' region and beyond with junk, keeping SOI.
        for index in 20..<min(400, bytes.count) { bytes[index] = UInt8(truncatingIfNeeded: index &* 37) }
        assertVizError(at: "corrupt.jpg", message: "not a readable JPEG image: Unsupported marker type 0x24") {
            _ = try Bitmap(encodedImage: Data(bytes), source: "corrupt.jpg")
        }
    }

    func testJPEGWithOnlyAMarker() {
        assertVizError(at: "tiny.jpg", message: "not a readable JPEG image: it ends before its frame header") {
            _ = try Bitmap(encodedImage: Data([0xFF, 0xD8, 0xFF]), source: "tiny.jpg")
        }
    }

    // MARK: - Decompression bombs

    /// Pillow refuses images of more than twice `Image.MAX_IMAGE_PIXELS` (2 × 89,478,485) pixels;
    /// the header alone decides, before any pixel is allocated.
    private static let bombMessage = "more than the 178956970 Pillow accepts"

    func testAJPEGDeclaringTooManyPixelsIsRefused() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/photo_baseline.jpg"))))
        let frame = try XCTUnwrap(
            bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }, "no baseline frame header")
        // SOF0: marker, length (2), precision (1), height (2), width (2).
        bytes.replaceSubrange((frame + 5)...(frame + 8), with: [0x27, 0x10, 0x4E, 0x20]) // 10,000 high, 20,000 wide
        assertVizError(at: "bomb.jpg", message: "the image has 20000x10000 pixels, " + Self.bombMessage) {
            _ = try Bitmap(encodedImage: Data(bytes), source: "bomb.jpg")
        }
    }

    func testAPNGDeclaringTooManyPixelsIsRefused() {
        let side: UInt32 = 13_378 // 13,378² = 178,970,884, just over the limit
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(side) + bigEndian(side) + [8, 2, 0, 0, 0] // 8-bit RGB, not interlaced
        let png =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
        assertVizError(at: "bomb.png", message: "the image has 13378x13378 pixels, " + Self.bombMessage) {
            _ = try Bitmap(encodedImage: Data(png), source: "bomb.png")
        }
    }

    /// The CRC-32 of PNG chunks (ISO 3309, as in the PNG specification's annex D).
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
