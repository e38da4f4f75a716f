import VizCore
import VizImage
import VizTesting
import XCTest

/// Colormap tables against matplotlib and OpenCV, grids and overlays against the book's numpy/cv2
/// code (references written by Scripts/make_image_fixtures.py).
final class ColormapTests: XCTestCase {
    func testTablesMatchMatplotlibAndOpenCV() throws {
        let expected = try Fixtures.tensor("images/colormaps.npy")
        XCTAssertEqual(expected.shape, [Colormap.allNames.count, 256, 3])
        for (index, name) in Colormap.allNames.enumerated() {
            let table = try XCTUnwrap(Colormap.named(name)).table
            let reference = expected.scalars[(index * 768)..<((index + 1) * 768)]
            XCTAssertEqual(table.map(Float.init), Array(reference), name)
        }
    }

    func testUnknownName() {
        XCTAssertNil(Colormap.named("no-such-map"))
        XCTAssertEqual(Set(Colormap.allNames), ["viridis", "magma", "inferno", "plasma", "cividis", "gray", "jet"])
    }

    func testApplyLooksUpEachLevel() throws {
        let jet = try XCTUnwrap(Colormap.named("jet"))
        let colored = jet.apply(to: [0, 255, 128], width: 3, height: 1)
        XCTAssertEqual(colored.channels, 3)
        XCTAssertEqual(colored.pixels, Array(jet.table[0..<3] + jet.table[765..<768] + jet.table[384..<387]))
    }

    func testUnitMapClampsAndTreatsNaNAsZero() throws {
        let gray = try XCTUnwrap(Colormap.named("gray"))
        let map = Tensor(shape: [1, 5], scalars: [-1, 0.5, 2, .nan, 0.999])
        // np.uint8(255 * x) truncates: 127.5 → 127, 254.745 → 254.
        XCTAssertEqual(gray.apply(toUnitMap: map).pixels, [0, 127, 255, 0, 254].flatMap { [$0, $0, $0] })
    }

    /// Deep Learning with Python 5.4.3: cv2.resize, `np.uint8(255 * heatmap)`, COLORMAP_JET,
    /// `heatmap * 0.4 + img`, written by cv2.imwrite.
    func testGradCAMOverlayMatchesTheBook() throws {
        let image = try Bitmap(contentsOfFile: Fixtures.path("images/photo_rgb.png"))
        let heatmap = try Fixtures.tensor("images/map_7x9.npy").resizedBilinear(height: image.height, width: image.width)
        let colors = try XCTUnwrap(Colormap.named("jet")).apply(toUnitMap: heatmap)
        try assertPixels(image.overlaid(with: colors, alpha: 0.4), match: "gradcam_overlay.npy")
    }

    func testGridMatchesTheBookLayout() throws {
        let photo = try Bitmap(contentsOfFile: Fixtures.path("images/photo_rgb.png"))
        let tiles = [(0, 0), (3, 5), (10, 20), (20, 30), (25, 2)].map { photo.crop(top: $0.0, left: $0.1, height: 6, width: 8) }
        try assertPixels(Bitmap.grid(tiles: tiles, columns: 3, margin: 2, background: 7), match: "grid_5_tiles.npy")
    }

    func testGridNarrowsToTheTileCount() {
        let tile = Bitmap(width: 2, height: 2, channels: 1, filledWith: 9)
        let grid = Bitmap.grid(tiles: [tile, tile], columns: 16, margin: 1)
        XCTAssertEqual([grid.width, grid.height], [5, 2])
    }
}

extension Bitmap {
    fileprivate func crop(top: Int, left: Int, height: Int, width cropWidth: Int) -> Bitmap {
        var pixels = [UInt8]()
        for row in top..<(top + height) {
            let start = (row * width + left) * channels
            pixels += self.pixels[start..<(start + cropWidth * channels)]
        }
        return Bitmap(width: cropWidth, height: height, channels: channels, pixels: pixels)
    }
}
