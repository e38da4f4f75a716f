import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// Lucid's Laplacian-pyramid parameterisation against its definition built in PyTorch
/// (Tests/Fixtures/lucid/laplacian, Scripts/make_lucid_fixtures.py).
final class LaplacianPyramidTests: XCTestCase {
    /// name: (levels, decorrelate), as the script writes them.
    static let cases: [String: (Int, Bool)] = [
        "even_decorrelated": (4, true), "odd_decorrelated": (3, true), "odd_plain": (3, false),
    ]

    func testImageAndLevelGradientMatchLucidsDefinition() throws {
        for (name, (levels, decorrelate)) in Self.cases.sorted(by: { $0.key < $1.key }) {
            let expectedImage = try Fixtures.tensor("lucid/laplacian/\(name)_image.npy")
            let (height, width, channels) = (expectedImage.shape[1], expectedImage.shape[2], expectedImage.shape[3])
            let pyramid = LaplacianPyramid(
                height: height, width: width, channels: channels, levels: levels, decorrelate: decorrelate,
                inputMapping: pictureInputMapping(channels: channels))
            let parameters = try Fixtures.tensor("lucid/laplacian/\(name)_levels.npy")
            XCTAssertEqual(parameters.shape, [expectedImage.shape[0], pyramid.itemCount], name)
            let (rgb, input) = pyramid.forward(parameters)
            XCTAssertLessThanOrEqual(LucentStepTests.maxDifference(rgb, input), 1e-6, name)
            XCTAssertLessThanOrEqual(LucentStepTests.maxDifference(rgb, expectedImage), 1e-5, "\(name): image")

            let gradient = pyramid.backward(
                rgb: rgb, inputGradient: try Fixtures.tensor("lucid/laplacian/\(name)_upstream.npy"))
            let expected = try Fixtures.tensor("lucid/laplacian/\(name)_gradient.npy")
            XCTAssertGreaterThan(expected.maxAbs, 0.1, "\(name): the fixture's gradient is not all but zero")
            XCTAssertLessThanOrEqual(LucentStepTests.maxDifference(gradient, expected), 1e-5, "\(name): level gradient")
        }
    }

    /// The whole parameterisation (every level's upsampling, decorrelation, sigmoid, the
    /// input mapping with BGR order) against central differences, on even and odd sizes.
    func testLevelGradientMatchesFiniteDifferences() throws {
        for (height, width, levels, decorrelate) in [(6, 8, 3, true), (7, 5, 3, true), (5, 3, 2, false)] {
            let pyramid = LaplacianPyramid(
                height: height, width: width, channels: 3, levels: levels, decorrelate: decorrelate,
                inputMapping: InputMapping(scale: [1, -2 / 255, 0.5 / 255], offset: [-120, 1, 0.25], source: [2, 1, 0]))
            var generator = SeededGenerator(seed: 5)
            let start = pyramid.randomStart(batch: 2, generator: &generator)
            let parameters = Tensor(shape: start.shape, scalars: start.scalars.map { $0 * 40 })
            checkDrawnGradient(pyramid, at: parameters, generator: &generator, "\(height)x\(width)")
        }
    }

    /// Python's `//`: a 7x5 image takes 3 levels (7x5, 3x2, 1x1), a 1-pixel-wide one only its own.
    func testLevelSizesRoundDownAsLucidDoes() {
        XCTAssertEqual([0, 1, 2].map { LaplacianPyramid.levelSize(7, level: $0) }, [7, 3, 1])
        XCTAssertEqual(LaplacianPyramid.mostLevels(height: 7, width: 5), 3)
        XCTAssertEqual(LaplacianPyramid.mostLevels(height: 224, width: 224), 8)
        XCTAssertEqual(LaplacianPyramid.mostLevels(height: 1, width: 9), 1)
        let pyramid = LaplacianPyramid(
            height: 7, width: 5, channels: 3, levels: 3, decorrelate: true, inputMapping: pictureInputMapping(channels: 3))
        XCTAssertEqual(pyramid.itemCount, (7 * 5 + 3 * 2 + 1 * 1) * 3)
    }
}
