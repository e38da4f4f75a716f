import ChannelSwish
import VizCore
import VizTesting
import XCTest

final class ChannelSwishTests: XCTestCase {
    /// A (1, 2, 3, 4) input with values from −2.4 to 2.2, so that both tails of the sigmoid are used.
    private let input = Tensor(shape: [1, 2, 3, 4], scalars: (0..<24).map { Float($0) * 0.2 - 2.4 })
    private let beta: [Float] = [0.5, 1.0, 1.7, -0.3]

    private func layer(options: [String: Any] = [:], weights: [Tensor]) -> KerasLayer {
        KerasLayer(
            name: "swish", className: "ChannelSwish", options: options, inputShapes: [[-1, 2, 3, 4]],
            weights: weights, location: "model.h5")
    }

    func testForwardIsXTimesTheSigmoidOfBetaX() {
        let output = ChannelSwishOp(beta: beta).forward([input])
        let expected = input.scalars.indices.map { i -> Float in
            let x = Double(input.scalars[i])
            let b = Double(beta[i % 4])
            return Float(x / (1 + exp(-b * x)))
        }
        assertClose(output, Tensor(shape: input.shape, scalars: expected), tolerance: 1e-6)
    }

    /// VizTesting's check: central differences of `L = Σ w ⊙ op(x)` (in Double, for a fixed random
    /// `w`) against `inputGradients`.
    func testInputGradientMatchesFiniteDifferences() {
        for op in [ChannelSwishOp(beta: beta), ChannelSwishOp(beta: [1.3])] {
            checkGradients(op, [input], "β = \(op.beta)")
        }
    }

    func testTheLayerTakesOneSlopePerChannelOrOneForAll() throws {
        let perChannel = try ChannelSwishLayer().op(for: layer(weights: [Tensor(shape: [4], scalars: beta)]))
        XCTAssertEqual((perChannel as? ChannelSwishOp)?.beta, beta)
        let shared = try ChannelSwishLayer().op(
            for: layer(
                options: ["per_channel": false],
                weights: [Tensor(shape: [1], scalars: [2])]))
        XCTAssertEqual((shared as? ChannelSwishOp)?.beta, [2])
    }

    func testAWeightThatDoesNotFitTheInputNamesTheLayer() {
        XCTAssertThrowsError(try ChannelSwishLayer().op(for: layer(weights: [Tensor(shape: [3], scalars: [1, 1, 1])]))) {
            XCTAssertEqual(
                "\($0)",
                "model.h5: error: layer 'swish' (ChannelSwish): weight 0 has shape (3,), but the "
                    + "layer's config implies (4,)")
        }
    }
}
