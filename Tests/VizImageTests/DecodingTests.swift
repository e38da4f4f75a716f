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

    private func assertDecodes(_ name: String, within levels: Float = 0,
                               file: StaticString = #filePath, line: UInt = #line) throws {
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
        assertVizError(at: path) { _ = try Bitmap(contentsOfFile: path) }
    }

    func testTruncatedJPEG() {
        let path = Fixtures.path("images/truncated.jpg")
        assertVizError(at: path) { _ = try Bitmap(contentsOfFile: path) }
    }

    func testTruncatedPNG() {
        let path = Fixtures.path("images/truncated.png")
        assertVizError(at: path) { _ = try Bitmap(contentsOfFile: path) }
    }

    func testGarbageBytes() {
        let path = Fixtures.path("images/garbage.jpg")
        assertVizError(at: path) { _ = try Bitmap(contentsOfFile: path) }
    }

    func testDirectoryIsNotAnImage() {
        let path = Fixtures.path("images")
        assertVizError(at: path) { _ = try Bitmap(contentsOfFile: path) }
    }

    func testCorruptJPEGAfterValidHeader() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/photo_baseline.jpg"))))
        // Overwrite the Huffman tables' region and beyond with junk, keeping SOI.
        for index in 20..<min(400, bytes.count) { bytes[index] = UInt8(truncatingIfNeeded: index &* 37) }
        assertVizError(at: "corrupt.jpg") { _ = try Bitmap(encodedImage: Data(bytes), source: "corrupt.jpg") }
    }

    func testJPEGWithOnlyAMarker() {
        assertVizError(at: "tiny.jpg") { _ = try Bitmap(encodedImage: Data([0xFF, 0xD8, 0xFF]), source: "tiny.jpg") }
    }
}
