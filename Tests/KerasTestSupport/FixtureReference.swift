import Foundation
import VizCore
import VizTesting
import XCTest

/// A golden fixture written by Scripts/make_fixtures.py (collection `models`),
/// Scripts/make_layer_fixtures.py (`layers`), Scripts/make_format_fixtures.py (`formats`) or
/// Scripts/make_application_fixtures.py (`applications`): a Keras model file, an input, and what
/// Keras computed from them (`Tests/Fixtures/<collection>/<name>/reference.json` indexes the files).
public struct FixtureReference: Decodable {
    public struct Gradient: Decodable {
        public let output_index: Int
        public let file: String
    }

    public struct Layer: Decodable {
        public let name: String
        public let `class`: String
        public let output: String
    }

    /// The Fixtures-relative folder, e.g. `models/k2_sequential` or `layers/k3_shapes`.
    public private(set) var folder = ""
    public let keras_version: String
    public let model: String
    public let input: String
    public let gradient: Gradient
    /// Every layer but the inputs, in Keras's `model.layers` order; only a sample of them (in the
    /// same order) when `sampled`.
    public let layers: [Layer]
    /// Whether `layers` is a sample (the applications: first, middle, last and every merge).
    public let sampled: Bool?

    private enum CodingKeys: String, CodingKey {
        case keras_version, model, input, gradient, layers, sampled
    }

    /// `collection`: `models` (Scripts/make_fixtures.py), or `layers`, `formats`, `applications`
    /// (Scripts/make_<collection without its s>_fixtures.py).
    public init(_ fixture: String, in collection: String = "models") throws {
        let folder = "\(collection)/\(fixture)"
        let path = Fixtures.path("\(folder)/reference.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            let script = collection == "models" ? "make_fixtures.py" : "make_\(collection.dropLast())_fixtures.py"
            throw VizError("missing; run python3 Scripts/\(script)", at: path)
        }
        self = try JSONDecoder().decode(FixtureReference.self, from: data)
        self.folder = folder
    }

    public var modelPath: String { Fixtures.path("\(folder)/\(model)") }

    public func inputTensor() throws -> Tensor { try Fixtures.tensor("\(folder)/\(input)") }

    /// Compares every layer's output with Keras's; `renamed` maps a reference layer name to the
    /// name it has in `model` when a test renamed it. Returns the largest difference relative to
    /// the reference's largest magnitude, over all the layers compared.
    @discardableResult
    public func assertOutputsMatch(
        _ model: Model, renamed: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Float {
        let names = layers.map { renamed[$0.name] ?? $0.name }
        let computed = model.computedLayers.map(\.name)
        if sampled ?? false {
            // vizrun may list more layers than Keras's `model.layers` (Keras 3's operations on
            // constants, such as `x + 3.0`), but the sample must come in the same order.
            let positions = names.map { computed.firstIndex(of: $0) ?? -1 }
            XCTAssertEqual(positions, positions.sorted(), "layer order of \(names)", file: file, line: line)
        } else {
            XCTAssertEqual(computed, names, "layer order", file: file, line: line)
        }
        let modelLayers = try names.map { try model.requireLayer($0) }
        let outputs = try model.graph.evaluate([try inputTensor()], targets: modelLayers.map(\.outputNode))
        var worst: Float = 0
        for (expected, layer) in zip(layers, modelLayers) {
            XCTAssertEqual(layer.className, expected.class, file: file, line: line)
            let reference = try Fixtures.tensor("\(folder)/\(expected.output)")
            assertClose(
                outputs[layer.outputNode]!, reference, tolerance: 1e-4, "\(folder): layer \(layer.name)",
                file: file, line: line)
            worst = max(worst, Self.relativeDifference(outputs[layer.outputNode]!, reference))
        }
        return worst
    }

    /// Compares d(sum over the batch of output[:, k]) / d(input) with Keras's; returns the largest
    /// difference relative to the reference's largest magnitude.
    @discardableResult
    public func assertInputGradientMatches(_ model: Model, file: StaticString = #filePath, line: UInt = #line) throws -> Float {
        let input = try inputTensor()
        let outputNode = try model.requireLayer(model.outputLayers[0]).outputNode
        let inputNode = model.graph.inputNodes[0]
        let trace = try model.graph.trace([input], upTo: [outputNode])
        let output = try XCTUnwrap(trace.value(outputNode), file: file, line: line)
        var seed = Tensor(zeros: output.shape)
        let classes = output.shape.last!
        for item in 0..<output.shape[0] { seed.scalars[item * classes + gradient.output_index] = 1 }
        let inputGradient = try trace.gradients(seeds: [outputNode: seed], wrt: [inputNode])[inputNode]!
        let reference = try Fixtures.tensor("\(folder)/\(gradient.file)")
        assertClose(inputGradient, reference, tolerance: 1e-4, "\(folder): input gradient", file: file, line: line)
        return Self.relativeDifference(inputGradient, reference)
    }

    /// max |actual − expected| / max |expected|: what `assertClose` holds below its tolerance.
    private static func relativeDifference(_ actual: Tensor, _ expected: Tensor) -> Float {
        let (actual, expected) = (actual.standardized(), expected.standardized())
        guard actual.shape == expected.shape else { return .infinity }
        let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        return difference / (expected.maxAbs > 0 ? expected.maxAbs : 1)
    }
}
