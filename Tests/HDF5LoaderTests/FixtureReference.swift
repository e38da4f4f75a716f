import Foundation
import VizCore
import VizTesting
import XCTest

/// A golden fixture written by Scripts/make_fixtures.py (collection `models`) or
/// Scripts/make_layer_fixtures.py (collection `layers`): a Keras model file, an input, and what
/// Keras computed from them (`Tests/Fixtures/<collection>/<name>/reference.json` indexes the files).
struct FixtureReference: Decodable {
    struct Gradient: Decodable {
        let output_index: Int
        let file: String
    }

    struct Layer: Decodable {
        let name: String
        let `class`: String
        let output: String
    }

    /// The Fixtures-relative folder, e.g. `models/k2_sequential` or `layers/k3_shapes`.
    private(set) var folder = ""
    let keras_version: String
    let model: String
    let input: String
    let gradient: Gradient
    /// Every layer but the inputs, in Keras's `model.layers` order.
    let layers: [Layer]

    private enum CodingKeys: String, CodingKey {
        case keras_version, model, input, gradient, layers
    }

    /// `collection`: `models` (Scripts/make_fixtures.py), `layers` (Scripts/make_layer_fixtures.py) or
    /// `formats` (Scripts/make_format_fixtures.py).
    init(_ fixture: String, in collection: String = "models") throws {
        let folder = "\(collection)/\(fixture)"
        let path = Fixtures.path("\(folder)/reference.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            let script = collection == "models" ? "make_fixtures.py" : "make_\(collection.dropLast())_fixtures.py"
            throw VizError("missing; run python3 Scripts/\(script)", at: path)
        }
        self = try JSONDecoder().decode(FixtureReference.self, from: data)
        self.folder = folder
    }

    var modelPath: String { Fixtures.path("\(folder)/\(model)") }

    func inputTensor() throws -> Tensor { try Fixtures.tensor("\(folder)/\(input)") }

    /// Compares every layer's output with Keras's; `renamed` maps a reference layer name to the
    /// name it has in `model` when a test renamed it.
    func assertOutputsMatch(_ model: Model, renamed: [String: String] = [:],
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let names = layers.map { renamed[$0.name] ?? $0.name }
        XCTAssertEqual(model.computedLayers.map(\.name), names, "layer order", file: file, line: line)
        let modelLayers = try names.map { try model.requireLayer($0) }
        let outputs = try model.graph.evaluate([try inputTensor()], targets: modelLayers.map(\.outputNode))
        for (expected, layer) in zip(layers, modelLayers) {
            XCTAssertEqual(layer.className, expected.class, file: file, line: line)
            assertClose(outputs[layer.outputNode]!, try Fixtures.tensor("\(folder)/\(expected.output)"),
                        tolerance: 1e-4, "\(folder): layer \(layer.name)", file: file, line: line)
        }
    }

    /// Compares d(sum over the batch of output[:, k]) / d(input) with Keras's.
    func assertInputGradientMatches(_ model: Model, file: StaticString = #filePath, line: UInt = #line) throws {
        let input = try inputTensor()
        let outputNode = try model.requireLayer(model.outputLayers[0]).outputNode
        let inputNode = model.graph.inputNodes[0]
        let trace = try model.graph.trace([input], upTo: [outputNode])
        let output = try XCTUnwrap(trace.value(outputNode), file: file, line: line)
        var seed = Tensor(zeros: output.shape)
        let classes = output.shape.last!
        for item in 0..<output.shape[0] { seed.scalars[item * classes + gradient.output_index] = 1 }
        let inputGradient = try trace.gradients(seeds: [outputNode: seed], wrt: [inputNode])[inputNode]!
        assertClose(inputGradient, try Fixtures.tensor("\(folder)/\(gradient.file)"), tolerance: 1e-4,
                    "\(folder): input gradient", file: file, line: line)
    }
}
