import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// Gradient ascent against TensorFlow (Tests/Fixtures/gradients, Scripts/make_gradient_fixtures.py).
final class GoldenAscentTests: XCTestCase {
    struct Reference {
        let folder: String
        let json: [String: Any]
        let model: Model
        let ascent: Ascent
        let filters: [Int]
        let start: Tensor

        init(_ name: String) throws {
            folder = "gradients/\(name)"
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("\(folder)/reference.json")))
            json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let section = try XCTUnwrap(json["ascent"] as? [String: Any])
            model = try Fixtures.model(name, loader: HDF5ModelLoader())
            let layer = try model.requireLayer(try XCTUnwrap(section["layer"] as? String))
            filters = try XCTUnwrap(section["filters"] as? [Int])
            ascent = Ascent(graph: model.graph, inputNode: model.graph.inputNodes[0], targetNode: layer.outputNode)
            start = try Fixtures.tensor("\(folder)/ascent_start.npy")
        }

        var section: [String: Any] { json["ascent"] as! [String: Any] }
        func tensor(_ file: String) throws -> Tensor { try Fixtures.tensor("\(folder)/\(file)") }
    }

    static let models = ["k2_sequential", "k2_functional"]

    func testObjectiveAtStartMatchesLosses() throws {
        for name in Self.models {
            let reference = try Reference(name)
            let losses = try XCTUnwrap((reference.section["book"] as? [String: Any])?["losses"] as? [[Double]])
            let values = try reference.ascent.objectiveValues(reference.start, units: reference.filters)
            for (value, expected) in zip(values, losses[0]) {
                XCTAssertEqual(Double(value), expected, accuracy: 1e-4 * abs(expected) + 1e-6, name)
            }
        }
    }

    func testFirstNormalizedGradientAndStep() throws {
        for name in Self.models {
            let reference = try Reference(name)
            var generator = SeededGenerator(seed: 0)
            let raw = try reference.ascent.objectiveGradient(reference.start, units: reference.filters, generator: &generator)
            let gradient = OptimizerState.normalized(raw, batch: reference.filters.count)
            let expected = try reference.tensor("ascent_grad1.npy")
            let (relative, correlation) = compare(gradient, expected)
            print("filters golden \(name): normalised gradient 1 max diff \(relative) of max, correlation \(correlation)")
            assertClose(gradient, expected, tolerance: 1e-4, name)
            XCTAssertGreaterThanOrEqual(correlation, 0.9999, name)

            var oneStep = reference.ascent
            oneStep.steps = 1
            let step1 = try oneStep.run(start: reference.start, units: reference.filters).patterns
            let expectedStep1 = try reference.tensor("ascent_step1.npy")
            let update = difference(step1, reference.start)
            let expectedUpdate = difference(expectedStep1, reference.start)
            let (stepRelative, stepCorrelation) = compare(update, expectedUpdate)
            print("filters golden \(name): step 1 update max diff \(stepRelative) of max, correlation \(stepCorrelation)")
            assertClose(update, expectedUpdate, tolerance: 1e-4, name)
            XCTAssertGreaterThanOrEqual(stepCorrelation, 0.9999, name)
        }
    }

    /// The book's 40 normalised steps: the objective after every step, and the patterns after the
    /// last, against TensorFlow's.
    func testFortyBookStepsAndDeprocessing() throws {
        for name in Self.models {
            let reference = try Reference(name)
            let losses = try XCTUnwrap((reference.section["book"] as? [String: Any])?["losses"] as? [[Double]])
            XCTAssertEqual(losses.count, 41, "the objective at the start and after each step")
            var book = reference.ascent
            book.steps = 40
            var stepsTaken = 0
            var worstObjective = 0.0
            let result = try book.run(
                start: reference.start, units: reference.filters,
                onStep: { step, x in
                    stepsTaken += 1
                    guard step < losses.count, let values = try? reference.ascent.objectiveValues(x, units: reference.filters)
                    else {
                        return XCTFail("\(name): no objective after step \(step)")
                    }
                    let expected = losses[step]
                    let scale = expected.map(abs).max() ?? 1
                    for (value, wanted) in zip(values, expected) {
                        worstObjective = max(worstObjective, abs(Double(value) - wanted) / scale)
                        XCTAssertEqual(Double(value), wanted, accuracy: 1e-4 * scale, "\(name) step \(step)")
                    }
                })
            XCTAssertEqual(stepsTaken, 40)
            XCTAssertEqual(result.dead, [false, false])
            let expected = try reference.tensor("ascent_step40.npy")
            let relative = compare(result.patterns, expected).relative
            let displacement = compare(difference(result.patterns, reference.start), difference(expected, reference.start))
            print(
                "filters golden \(name): objective worst \(worstObjective) of the largest per step; step 40 max diff \(relative) of max value, "
                    + "\(displacement.relative) of max displacement (correlation \(displacement.correlation))")
            assertClose(result.patterns, expected, tolerance: 1e-4, name)
            assertClose(
                difference(result.patterns, reference.start), difference(expected, reference.start), tolerance: 1e-4, name)

            let levels = try reference.tensor("ascent_deprocessed40.npy")
            var worst: Float = 0
            for item in 0..<reference.filters.count {
                let pattern = result.patterns.batchItem(item)
                let mine = Deprocess.levels(pattern.scalars)
                let theirs = levels.batchItem(item).scalars
                for (a, b) in zip(mine, theirs) { worst = max(worst, abs(Float(a) - b)) }
            }
            print("filters golden \(name): deprocessed step 40 max diff \(worst) levels")
            XCTAssertLessThanOrEqual(worst, 1, name)
        }
    }

    func testAdamAndRMSpropTenSteps() throws {
        for name in Self.models {
            let reference = try Reference(name)
            for (key, optimizer) in [
                ("adam", AscentOptimizer.adam(learningRate: 0.05)),
                ("rmsprop", AscentOptimizer.rmsprop(learningRate: 0.05)),
            ] {
                let section = try XCTUnwrap(reference.section[key] as? [String: Any])
                XCTAssertEqual(section["learning_rate"] as? Double, 0.05)
                XCTAssertEqual(section["steps"] as? Int, 10)
                var ascent = reference.ascent
                ascent.optimizer = optimizer
                ascent.steps = 10
                let patterns = try ascent.run(start: reference.start, units: reference.filters).patterns
                let expected = try reference.tensor("ascent_\(key)10.npy")
                let displacement = compare(difference(patterns, reference.start), difference(expected, reference.start))
                print(
                    "filters golden \(name): \(key) 10 steps max diff \(displacement.relative) of max displacement, "
                        + "\(compare(patterns, expected).relative) of max value")
                assertClose(
                    difference(patterns, reference.start), difference(expected, reference.start), tolerance: 1e-3,
                    "\(name) \(key)")
            }
        }
    }

    func testRegularizersMatchTensorFlow() throws {
        for name in Self.models {
            let reference = try Reference(name)
            let section = try XCTUnwrap(reference.section["regularizers"] as? [String: Any])
            let x = reference.start.batchItem(0)
            for (key, regularizers) in [
                ("tv", Regularizers(totalVariation: 1)),
                ("lp1", Regularizers(normWeight: 1, normP: 1)),
                ("lp2", Regularizers(normWeight: 1, normP: 2)),
            ] {
                let entry = try XCTUnwrap(section[key] as? [String: Any])
                let value = try XCTUnwrap(entry["value"] as? Double)
                XCTAssertEqual(regularizers.values(x)[0], value, accuracy: 1e-5 * value, "\(name) \(key)")
                // `apply` subtracts the penalty's gradient from a zero objective gradient.
                var gradient = Tensor(zeros: x.shape)
                regularizers.apply(to: &gradient, at: x)
                let mine = Tensor(shape: x.shape, scalars: gradient.scalars.map { -$0 })
                let expected = try reference.tensor("\(key)_grad.npy")
                print("filters golden \(name): \(key) gradient max diff \(compare(mine, expected).relative) of max")
                assertClose(mine, expected, tolerance: 1e-4, "\(name) \(key)")
            }
        }
    }
}
