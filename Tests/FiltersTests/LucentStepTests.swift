import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// The clipped parameterisation against Lucid's definition and Adam steps against lucent's
/// (Tests/Fixtures/lucid/objectives, written by Scripts/make_lucid_objective_fixtures.py).
final class LucentStepTests: XCTestCase {
    static let levels = InputMapping(scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0], source: [0, 1, 2])

    static func fixture(_ name: String) throws -> Tensor { try Fixtures.tensor("lucid/objectives/\(name).npy") }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// `sigmoid: false`: the colour mean, the clip to 0…1, and Lucid's gradient of `constrain_L_inf`.
    func testClippedImageAndGradientMatchLucid() throws {
        for name in ["clipped_even", "clipped_odd"] {
            let expectedImage = try Self.fixture("\(name)_image")
            let (height, width) = (expectedImage.shape[1], expectedImage.shape[2])
            let fourier = FourierImage(
                height: height, width: width, channels: 3, decayPower: 1, decorrelate: true, sigmoid: false,
                inputMapping: Self.levels)
            let spectra = FourierImageTests.droppingUnreadColumn(try Self.fixture("\(name)_spectra"), columns: fourier.columns)
            let (rgb, _) = fourier.forward(spectra)
            XCTAssertTrue(rgb.scalars.contains(0) && rgb.scalars.contains(1), "\(name): nothing was clipped")
            XCTAssertLessThanOrEqual(Self.maxDifference(rgb, expectedImage), 1e-5, "\(name): image")
            let gradient = fourier.backward(rgb: rgb, inputGradient: try Self.fixture("\(name)_upstream"))
            let expected = FourierImageTests.droppingUnreadColumn(try Self.fixture("\(name)_gradient"), columns: fourier.columns)
            XCTAssertGreaterThan(expected.maxAbs, 0.1, name)
            XCTAssertLessThanOrEqual(Self.maxDifference(gradient, expected), 1e-4 * expected.maxAbs, "\(name): gradient")
        }
    }

    /// One and three steps of PyTorch's Adam (lr 0.05) on a channel objective per item, from
    /// lucent's start, through the decorrelated Fourier image, a convolution and a relu.
    func testAdamStepsMatchLucent() throws {
        let bias = try Self.fixture("adam_bias")
        let model = try Model.sequential(
            input: [-1, -1, 3],
            [
                ("conv_pre", Conv2DOp(kernel: try Self.fixture("adam_kernel"), bias: bias.scalars, padding: .same)),
                ("conv", ActivationOp(.relu)),
            ])
        let fourier = FourierImage(
            height: 12, width: 10, channels: 3, decayPower: 1, decorrelate: true, inputMapping: Self.levels)
        var ascent = Ascent(
            graph: model.graph, inputNode: model.graph.inputNodes[0], targetNode: try model.requireLayer("conv").outputNode)
        (ascent.optimizer, ascent.imageMaker) = (.torchAdam(learningRate: 0.05, epsilon: 1e-8), .drawn(fourier))
        let start = try Self.fixture("adam_start")
        for steps in [1, 3] {
            ascent.steps = steps
            let result = try ascent.run(start: start, units: [1, 3])
            let expected = try Self.fixture("adam_step\(steps)")
            XCTAssertGreaterThan(Self.maxDifference(expected, start), 0.04, "the step moved the spectra")
            XCTAssertLessThanOrEqual(Self.maxDifference(result.parameters, expected), 1e-5, "after \(steps) steps")
        }
    }
}
