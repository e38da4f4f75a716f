import VizCore
import VizImage
import VizTesting
import XCTest

/// `Preprocessing` against `keras.applications` `preprocess_input` on `load_img` output.
final class PreprocessingTests: XCTestCase {
    private let path = Fixtures.path("images/photo_baseline.jpg")

    private func steps(_ preset: Preprocessing.Preset) -> Preprocessing {
        var steps = Preprocessing(preset: preset)
        steps.size = (24, 32)
        steps.filter = .bilinear
        return steps
    }

    func testCaffeAndVGG16() throws {
        let expected = try Fixtures.tensor("images/preprocess_caffe.npy")
        assertClose(try steps(.caffe).apply(toFileAt: path), expected, tolerance: 1e-6)
        assertClose(try steps(.vgg16).apply(toFileAt: path), expected, tolerance: 1e-6)
    }

    func testTF() throws {
        assertClose(try steps(.tf).apply(toFileAt: path), try Fixtures.tensor("images/preprocess_tf.npy"), tolerance: 1e-6)
    }

    func testTorch() throws {
        assertClose(
            try steps(.torch).apply(toFileAt: path), try Fixtures.tensor("images/preprocess_torch.npy"),
            tolerance: 1e-6)
    }

    /// Deep Learning with Python 5.4.1: `load_img(path, target_size=...)`, `img_to_array`, `/ 255.`
    func testBookScaling() throws {
        let steps = Preprocessing(size: (24, 32), scale: 1 / 255)
        assertClose(try steps.apply(toFileAt: path), try Fixtures.tensor("images/preprocess_book.npy"), tolerance: 1e-6)
    }

    func testExplicitFieldsOverrideThePreset() throws {
        var steps = steps(.caffe)
        steps.color = .rgb
        steps.mean = []
        let expected = try Preprocessing(size: (24, 32), filter: .bilinear).apply(toFileAt: path)
        XCTAssertEqual(try steps.apply(toFileAt: path), expected)
    }

    func testMeanOfWrongLengthIsAnError() throws {
        let steps = Preprocessing(color: .grayscale, mean: [1, 2, 3])
        assertVizError(at: path, message: "mean has 3 values, the image has 1 channels") { _ = try steps.apply(toFileAt: path) }
    }
}
