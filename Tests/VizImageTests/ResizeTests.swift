import VizCore
import VizImage
import VizTesting
import XCTest

/// `Bitmap.resized` against `keras.utils.load_img(target_size=, interpolation=)`, i.e. Pillow's
/// `Image.resize`, from a lossless PNG so that only the resize is compared.
final class ResizeTests: XCTestCase {
    private static let sizes = [(20, 27), (15, 20), (62, 82), (45, 61), (40, 20), (3, 5)]

    private func assertResizes(
        _ filter: ResampleFilter, within levels: Float,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for mode in ColorMode.allCases {
            let source = try Bitmap(contentsOfFile: Fixtures.path("images/photo_rgb.png"), colorMode: mode)
            for (height, width) in Self.sizes {
                let resized = source.resized(width: width, height: height, filter: filter)
                try assertPixels(
                    resized, match: "resize_\(filter.rawValue)_\(mode.rawValue)_\(height)x\(width).npy",
                    within: levels, file: file, line: line)
            }
        }
    }

    func testNearestIsExact() throws { try assertResizes(.nearest, within: 0) }
    func testBilinear() throws { try assertResizes(.bilinear, within: 0) }
    func testBicubic() throws { try assertResizes(.bicubic, within: 0) }

    /// Keras's own default path for the book's inputs: a JPEG loaded with `target_size` only.
    func testJPEGWithKerasDefaults() throws {
        let bitmap = try Bitmap(contentsOfFile: Fixtures.path("images/photo_baseline.jpg"))
        try assertPixels(bitmap.resized(width: 150, height: 150), match: "resize_jpeg_nearest_150x150.npy")
    }

    func testSameSizeIsUnchanged() throws {
        let bitmap = try Bitmap(contentsOfFile: Fixtures.path("images/photo_rgb.png"))
        for filter in ResampleFilter.allCases {
            XCTAssertEqual(bitmap.resized(width: bitmap.width, height: bitmap.height, filter: filter), bitmap)
        }
    }
}

/// `Tensor.resizedBilinear` against `cv2.resize(map, (width, height))` on float32 maps. Pip's
/// OpenCV routes these through Intel IPP, whose rounding differs by up to about 2 ulp (2.4e-7
/// measured); against OpenCV's own code, with IPP off, the result is bit-exact.
final class MapResizeTests: XCTestCase {
    func testMatchesOpenCVsOwnCodeExactly() throws {
        let map = try Fixtures.tensor("images/map_7x9.npy")
        XCTAssertEqual(map.resizedBilinear(height: 31, width: 41), try Fixtures.tensor("images/map_7x9_to_31x41.no_ipp.npy"))
    }

    func testUpscalesLikeOpenCV() throws {
        let map = try Fixtures.tensor("images/map_7x9.npy")
        assertClose(
            map.resizedBilinear(height: 31, width: 41), try Fixtures.tensor("images/map_7x9_to_31x41.npy"),
            tolerance: 1e-6)
    }

    func testDownscalesLikeOpenCV() throws {
        let map = try Fixtures.tensor("images/map_7x9.npy")
        assertClose(
            map.resizedBilinear(height: 4, width: 5), try Fixtures.tensor("images/map_7x9_to_4x5.npy"),
            tolerance: 1e-6)
    }

    func testResizesChannelsIndependently() throws {
        let map = try Fixtures.tensor("images/map_5x4x3.npy")
        assertClose(
            map.resizedBilinear(height: 12, width: 10), try Fixtures.tensor("images/map_5x4x3_to_12x10.npy"),
            tolerance: 1e-6)
    }
}
