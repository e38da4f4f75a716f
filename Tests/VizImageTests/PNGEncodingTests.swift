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

    func testRGBAKeepsColorUnderTransparency() throws {
        let pixels: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4]
        let rgba = Bitmap(width: 2, height: 2, channels: 4, pixels: pixels)
        let decoded = try Bitmap(encodedImage: rgba.pngData(), colorMode: .rgb)
        XCTAssertEqual(decoded.pixels, [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3])
    }

    func testIncompressibleDataFitsInOnePass() throws {
        var generator = SystemRandomNumberGenerator()
        let noise = Bitmap(width: 97, height: 61, channels: 3,
                           pixels: (0..<(97 * 61 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        XCTAssertEqual(try Bitmap(encodedImage: noise.pngData()), noise)
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
        assertVizError(at: path) { try Bitmap(width: 1, height: 1, channels: 3).writePNG(toFile: path) }
    }
}
