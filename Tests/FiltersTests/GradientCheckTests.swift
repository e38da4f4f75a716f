import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// Finite-difference checks of the regularisers and the input modifiers' adjoints.
final class GradientCheckTests: XCTestCase {
    func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    }

    /// Central differences of the summed penalty against `apply`'s (negated) gradient.
    func checkRegularizer(_ regularizers: Regularizers, _ label: String) {
        let x = randomTensor([2, 5, 4, 3], seed: 7)
        var gradient = Tensor(zeros: x.shape)
        regularizers.apply(to: &gradient, at: x)
        let h: Float = 1e-3
        var worst: Double = 0
        for index in 0..<x.count {
            var plus = x
            var minus = x
            plus.scalars[index] += h
            minus.scalars[index] -= h
            let numeric =
                (regularizers.values(plus).reduce(0, +) - regularizers.values(minus).reduce(0, +))
                / Double(plus.scalars[index] - minus.scalars[index])
            worst = max(worst, abs(numeric - Double(-gradient.scalars[index])))
        }
        let scale = Double(gradient.maxAbs)
        XCTAssertGreaterThan(scale, 0, label)
        XCTAssertLessThanOrEqual(worst, 1e-3 * scale, label)
    }

    func testTotalVariationGradient() { checkRegularizer(Regularizers(totalVariation: 0.7), "tv") }
    func testNormGradients() {
        checkRegularizer(Regularizers(normWeight: 0.3, normP: 1), "l1")
        checkRegularizer(Regularizers(normWeight: 0.3, normP: 2), "l2")
        checkRegularizer(Regularizers(normWeight: 1.5, normP: 3), "l3")
        checkRegularizer(Regularizers(totalVariation: 1, normWeight: 0.3, normP: 2), "tv + l2")
    }

    func testRollMatchesTensorFlowRollAndItsAdjointRollsBack() {
        let x = Tensor(shape: [1, 3, 4, 1], scalars: (0..<12).map(Float.init))
        // tf.roll(x, shift=(1, -1), axis=(1, 2)): out[y, x] = in[(y - 1) mod 3, (x + 1) mod 4].
        XCTAssertEqual(Modifiers.roll(x, dy: 1, dx: -1).scalars, [9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4])
        XCTAssertEqual(Modifiers.roll(Modifiers.roll(x, dy: 2, dx: 3), dy: -2, dx: -3), x)
    }

    /// ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ for each modifier's forward and adjoint.
    func testModifierAdjoints() {
        let x = randomTensor([2, 9, 7, 3], seed: 1)
        let y = randomTensor([2, 9, 7, 3], seed: 2)
        let draws = [
            Modifiers.Draw(shiftY: 3, shiftX: -2, degrees: 0, factor: 1),
            Modifiers.Draw(shiftY: 0, shiftX: 0, degrees: 17, factor: 1),
            Modifiers.Draw(shiftY: 0, shiftX: 0, degrees: 0, factor: 1.2),
            Modifiers.Draw(shiftY: -1, shiftX: 4, degrees: -8, factor: 0.9),
        ]
        for draw in draws {
            let modifiers = Modifiers()
            let left = zip(modifiers.apply(draw, to: x).scalars, y.scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            let right = zip(x.scalars, modifiers.adjoint(draw, of: y).scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            XCTAssertEqual(left, right, accuracy: 1e-4 * abs(left) + 1e-4, "\(draw)")
        }
        // No rotation and no scaling is the identity.
        XCTAssertEqual(Resampling.warp(height: 9, width: 7, degrees: 0, factor: 1).forward(x, fill: [0, 0, 0]), x)
    }

    /// The gradient through jitter, rotation and scaling equals central differences of the
    /// objective of the modified input (same random draw on both sides).
    func testObjectiveGradientThroughModifiersByFiniteDifferences() throws {
        let model = try TestModels.deadFilterModel(size: 6)
        // The convolution before its relu: linear, so central differences are exact up to rounding.
        var ascent = Ascent(graph: model.graph, inputNode: 0, targetNode: model.layer(named: "conv")!.preActivationNode!)
        ascent.modifiers = Modifiers(jitter: 2, rotate: 20, scale: (0.8, 1.2))
        let x = randomTensor([1, 6, 6, 1], seed: 3, low: 0, high: 2)
        let seed: UInt64 = 11
        var generator = SeededGenerator(seed: seed)
        let gradient = try ascent.objectiveGradient(x, units: [1], generator: &generator)
        generator = SeededGenerator(seed: seed)
        let draw = ascent.modifiers.draw(using: &generator)
        XCTAssertTrue(draw.shiftY != 0 || draw.shiftX != 0)
        XCTAssertNotEqual(draw.degrees, 0)
        func objective(_ input: Tensor) throws -> Double {
            Double(try ascent.objectiveValues(ascent.modifiers.apply(draw, to: input), units: [1])[0])
        }
        let h: Float = 1e-2
        var worst: Double = 0
        for index in 0..<x.count {
            var plus = x
            var minus = x
            plus.scalars[index] += h
            minus.scalars[index] -= h
            let numeric = (try objective(plus) - objective(minus)) / Double(2 * h)
            worst = max(worst, abs(numeric - Double(gradient.scalars[index])))
        }
        XCTAssertGreaterThan(gradient.maxAbs, 0)
        XCTAssertLessThanOrEqual(worst, 2e-3 * Double(gradient.maxAbs))
    }
}
