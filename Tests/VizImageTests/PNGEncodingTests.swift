import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

final class PNGEncodingTests: XCTestCase {
    func testRoundTripKeepsPixels() throws {
        for mode in ColorMode.allCases {
            let bitmap = try Bitmap(contentsOfFile: Fixtures.path("images/photo_baseline.jpg"), colorMode: mode)
            let decoded = try Bitmap(encodedImage: bitmap.pngData(), colorMode: mode)
            XCTAssertEqual(decoded, bitmap, mode.rawValue)
        }
    }

    /// A smooth picture, each row its predecessor plus a constant, is Up-filtered: it deflates to a
    /// fraction of its size (unfiltered it stays over a third of it), and keeps its pixels.
    func testSmoothPicturesAreUpFilteredAndKeepTheirPixels() throws {
        for channels in [1, 3, 4] {
            let (width, height) = (64, 48)
            let pixels = (0..<(width * height * channels)).map { index -> UInt8 in
                let (y, x, channel) = (index / (width * channels), index / channels % width, index % channels)
                return UInt8((x * x / 7 + y * y / 5 + channel * 40) % 256)
            }
            let bitmap = Bitmap(width: width, height: height, channels: channels, pixels: pixels)
            let data = try bitmap.pngData()
            XCTAssertLessThan(data.count, pixels.count / 8, "\(channels) channels")
            let decoded = try Bitmap(encodedImage: data, colorMode: channels == 1 ? .grayscale : .rgb)
            XCTAssertEqual(decoded.pixels, channels == 4 ? Self.dropAlpha(pixels) : pixels, "\(channels) channels")
        }
    }

    func testRGBAKeepsColorUnderTransparency() throws {
        let pixels: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4]
        let rgba = Bitmap(width: 2, height: 2, channels: 4, pixels: pixels)
        let decoded = try Bitmap(encodedImage: rgba.pngData(), colorMode: .rgb)
        XCTAssertEqual(decoded.pixels, [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3])
    }

    func testIncompressibleDataFitsInOnePass() throws {
        var generator = SeededGenerator(seed: 1)
        let noise = Bitmap(
            width: 97, height: 61, channels: 3,
            pixels: (0..<(97 * 61 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        XCTAssertEqual(try Bitmap(encodedImage: noise.pngData()), noise)
    }

    func testEncodingManyAtOnceMatchesEncodingEach() throws {
        var generator = SeededGenerator(seed: 2)
        let bitmaps = (0..<9).map { index in
            let (width, height, channels) = (5 + index, 3 + index % 4, [1, 3, 4][index % 3])
            return Bitmap(
                width: width, height: height, channels: channels,
                pixels: (0..<(width * height * channels)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        for (bitmap, result) in zip(bitmaps, Bitmap.pngData(of: bitmaps)) {
            let data = try result.get()
            XCTAssertEqual(data, try bitmap.pngData())
            let mode: ColorMode = bitmap.channels == 1 ? .grayscale : .rgb
            let decoded = try Bitmap(encodedImage: data, colorMode: mode)
            XCTAssertEqual(decoded.pixels, bitmap.channels == 4 ? Self.dropAlpha(bitmap.pixels) : bitmap.pixels)
        }
    }

    private static func dropAlpha(_ pixels: [UInt8]) -> [UInt8] {
        pixels.enumerated().filter { $0.offset % 4 != 3 }.map(\.element)
    }

    func testWritesAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bitmap = Bitmap(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 250])
        try bitmap.writePNG(toFile: path)
        XCTAssertEqual(try Bitmap(contentsOfFile: path, colorMode: .grayscale), bitmap)
    }

    func testUnwritablePathIsAnError() {
        let path = "/no-such-directory/out.png"
        assertVizError(
            at: path, message: "cannot write the PNG file: No such file or directory"
        ) { try Bitmap(width: 1, height: 1, channels: 3).writePNG(toFile: path) }
    }

    /// A picture written in bands decodes to the picture, for every channel count and band height.
    func testAFileWrittenBandByBandHoldsThePicture() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (channels, bandHeight) in [(1, 1), (3, 4), (4, 7), (3, 23)] {
            let (width, height) = (29, 23)
            let bitmap = Bitmap(
                width: width, height: height, channels: channels,
                pixels: (0..<(width * height * channels)).map { UInt8(($0 * 7 + $0 / 13) % 256) })
            let writer = try PNGFileWriter(path: path, width: width, height: height, channels: channels)
            for top in stride(from: 0, to: height, by: bandHeight) {
                let rows = min(bandHeight, height - top)
                try writer.append(
                    Bitmap(
                        width: width, height: rows, channels: channels,
                        pixels: Array(bitmap.pixels[(top * width * channels)..<((top + rows) * width * channels)])))
            }
            try writer.finish()
            let mode: ColorMode = channels == 1 ? .grayscale : .rgb
            let decoded = try Bitmap(contentsOfFile: path, colorMode: mode)
            XCTAssertEqual(decoded.pixels, channels == 4 ? Self.dropAlpha(bitmap.pixels) : bitmap.pixels, "\(channels) channels")
        }
    }

    /// libpng's own error (the device is full) reaches the caller as a message, not a crash.
    func testABandWriterOnAFullDeviceIsAnError() throws {
        var generator = SeededGenerator(seed: 3)
        let band = Bitmap(
            width: 256, height: 256, channels: 3,
            pixels: (0..<(256 * 256 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let writer = try PNGFileWriter(path: "/dev/full", width: 256, height: 256, channels: 3)
        XCTAssertThrowsError(try writer.append(band)) { error in
            XCTAssertTrue((error as? VizError)?.message.contains("Write Error") ?? false, "\(error)")
        }
    }

    func testABandWriterToAnUnwritablePathIsAnError() {
        let path = "/no-such-directory/sheet.png"
        assertVizError(at: path, message: "cannot write the PNG file: No such file or directory") {
            _ = try PNGFileWriter(path: path, width: 2, height: 2, channels: 3)
        }
    }
}
