import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// Composed objectives: the terms against lucent (Tests/Fixtures/lucid/objectives, written by
/// Scripts/make_lucid_objective_fixtures.py) and finite differences, read from configs, run.
final class ObjectiveTermTests: XCTestCase {
    static func values() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("lucid/objectives/values.json")))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testDiversityMatchesLucent() throws {
        let activations = try LucentStepTests.fixture("diversity_activations")
        let (value, gradient) = ObjectiveTerm.diversity(activations, weight: 1)
        let expected = try XCTUnwrap(try Self.values()["diversity"] as? Double)
        XCTAssertLessThan(expected, -0.1, "the fixture's images are alike")
        XCTAssertEqual(value, expected, accuracy: 1e-5)
        let expectedGradient = try LucentStepTests.fixture("diversity_gradient")
        XCTAssertGreaterThan(expectedGradient.maxAbs, 1e-3)
        XCTAssertLessThanOrEqual(LucentStepTests.maxDifference(gradient, expectedGradient), 1e-5)
    }

    /// lucent's `channel_weight` is a loss: the direction's value is its negative, image by image.
    func testDirectionMatchesLucent() throws {
        let activations = try LucentStepTests.fixture("direction_activations")
        let vector = try LucentStepTests.fixture("direction_vector")
        let expected = try XCTUnwrap(try Self.values()["direction"] as? [Double])
        let term = ObjectiveTerm(kind: .direction(vector.scalars), node: 0, layer: "layer")
        for b in 0..<2 {
            XCTAssertEqual(try term.evaluate(activations.batchItem(b)).value, -expected[b], accuracy: 1e-6, "image \(b)")
        }
    }

    /// Every term's gradient against central differences of its value, weights included.
    func testEveryTermsGradientMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 21)
        let a = Tensor(shape: [3, 4, 5, 6], scalars: (0..<360).map { _ in generator.uniform(-1, 1) })
        let logits = Tensor(shape: [3, 7], scalars: (0..<21).map { _ in generator.uniform(-1, 1) })
        let kinds: [(ObjectiveTerm.Kind, Tensor)] = [
            (.channel(2), a), (.neuron(5, y: nil, x: nil), a), (.neuron(1, y: 3, x: 0), a),
            (.direction([0.5, -1, 2, 0, 1, -0.25]), a), (.layer, a), (.diversity, a), (.classLogit(4), logits),
        ]
        for (kind, input) in kinds {
            let term = ObjectiveTerm(kind: kind, node: 0, layer: "layer", weight: -1.5)
            let analytic = try term.evaluate(input).gradient
            let numeric = numericGradients([input], epsilon: 1e-2) { (try? term.evaluate($0[0]).value) ?? .nan }
            let result = compareGradients(analytic: [analytic], numeric: numeric, inputs: [input])
            XCTAssertTrue(result.problems.isEmpty, "\(kind): " + result.problems.joined(separator: "; "))
            XCTAssertGreaterThan(result.scale, 0, "\(kind)")
            XCTAssertLessThanOrEqual(result.relative, 2e-3, "\(kind): \(result.summary)")
        }
    }

    func testComposedObjectiveIsReadAndRun() throws {
        let model = try TransformRunTests.colourModel()
        let options = try FiltersOptions(
            try runOptions(
                """
                objective: {sum: [{channel: {layer: conv, index: 3}, weight: 1}, {neuron: {layer: conv_pre, index: 1}, weight: -0.5}, {layer: conv}, {diversity: conv, weight: 100}]}
                samples: 3
                size: [12, 12]
                """), model: model)
        let (conv, pre) = (try model.requireLayer("conv").outputNode, try model.requireLayer("conv_pre").outputNode)
        XCTAssertEqual(
            options.composed,
            ComposedObjective(terms: [
                ObjectiveTerm(kind: .channel(3), node: conv, layer: "conv"),
                ObjectiveTerm(kind: .neuron(1, y: nil, x: nil), node: pre, layer: "conv_pre", weight: -0.5),
                ObjectiveTerm(kind: .layer, node: conv, layer: "conv"),
                ObjectiveTerm(kind: .diversity, node: conv, layer: "conv", weight: 100),
            ]))
        XCTAssertEqual(options.units, [0, 1, 2])
        XCTAssertEqual(options.composed?.nodes, [conv, pre])

        let visualizer = FiltersVisualizer()
        try visualizer.configure(
            try runOptions(
                """
                objective: {sum: [{channel: {layer: conv, index: 3}}, {diversity: conv, weight: 10}]}
                samples: 2
                size: [12, 12]
                parameterization: fft
                transforms: [{jitter: 2}]
                optimizer: {adam: {lr: 0.05}}
                steps: 3
                """), model: model)
        let sink = try visualizer.collect(model: model, inputs: [])
        XCTAssertEqual(sink.arrays.map(\.0.name), [["conv", "sample_0"], ["conv", "sample_1"]])
        XCTAssertTrue(sink.arrays.allSatisfy { $0.0.filter == nil && $0.1.shape == [1, 12, 12, 3] })
        XCTAssertNotEqual(sink.arrays[0].1, sink.arrays[1].1)
    }

    /// The book's objective forms still read as before, not as composed ones.
    func testBookFormsAreNotComposed() throws {
        for yaml in [
            "objective: channel", "objective: {neuron: [1, 2]}", "objective: {class: 3}",
            "objective: {class: [1, 2], score: logit}",
        ] {
            XCTAssertFalse(try FiltersOptions.isComposed(try runOptions(yaml).required("objective")), yaml)
        }
    }

    func testComposedObjectiveErrors() throws {
        let model = try TransformRunTests.colourModel()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("objective-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vector = folder.appendingPathComponent("direction.npy").path
        try Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]).npyData().write(to: URL(fileURLWithPath: vector))
        let cases: [(String, String)] = [
            (
                "objective: {direction: {layer: conv, vector: \(vector)}}",
                "the direction has 5 values, layer 'conv' has 4 channels (at objective.direction.vector)"
            ),
            (
                "objective: {sum: [{chanel: {layer: conv, index: 1}}]}",
                "unknown objective 'chanel' (known: channel, neuron, direction, class, layer, diversity, sum); did you mean 'channel'? (at objective.sum[0])"
            ),
            (
                "objective: {channel: {layer: conv, index: 4}}",
                "channel 4 is out of range: layer 'conv' has 4 channels (at objective.channel.index)"
            ),
            ("objective: {sum: []}", "sum needs at least one term (at objective.sum)"),
            (
                "objective: {layer: conv}\nlayer: conv",
                "`layer` is not used with a composed objective: each of its terms names its layer (at layer)"
            ),
        ]
        for (yaml, message) in cases {
            let error = TestModels.configureError("size: [8, 8]\n" + yaml, model: model)
            XCTAssertTrue(error.contains("error: " + message), error)
        }
    }
}
