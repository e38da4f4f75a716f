import Foundation
import GradCAM
import HDF5Loader
import RawLoader
import VizCore
import VizTesting
import XCTest

/// The raw loader against PyTorch (Tests/Fixtures/raw/pytorch, written by Scripts/make_raw_fixtures.py)
/// and against the HDF5 loader on the same Keras weights (Tests/Fixtures/raw/keras).
final class ReferenceTests: XCTestCase {
    private struct Reference: Decodable {
        struct Layer: Decodable {
            let name: String
            let output: String
        }
        struct GradCAM: Decodable {
            let layer: String
            let `class`: Int
            let heatmap: String
        }
        let input: String
        let layers: [Layer]
        let gradcam: GradCAM
    }

    private static let folder = "raw/pytorch/"

    private func reference() throws -> Reference {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(Self.folder + "reference.json")))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    private func load(_ path: String, architecture: String? = nil) throws -> Model {
        try RawModelLoader().load(
            ModelSpec(
                path: Fixtures.path(Self.folder + path),
                architecture: architecture.map { Fixtures.path(Self.folder + $0) }))
    }

    // MARK: - PyTorch

    func testSafetensorsMatchesPyTorchAtEveryLayer() throws {
        try assertMatchesPyTorch(try load("model.yaml"), "safetensors")
    }

    func testNpzMatchesPyTorchAtEveryLayer() throws {
        try assertMatchesPyTorch(try load("model.npz", architecture: "model.yaml"), "npz")
    }

    func testNpyFolderMatchesPyTorchAtEveryLayer() throws {
        try assertMatchesPyTorch(try load("npy", architecture: "model.yaml"), "npy folder")
    }

    func testRawFloat32MatchesPyTorchAtEveryLayer() throws {
        try assertMatchesPyTorch(try load("model_bin.yaml"), "bin")
    }

    private func assertMatchesPyTorch(
        _ model: Model, _ format: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reference = try reference()
        XCTAssertEqual(model.computedLayers.map(\.name), reference.layers.map(\.name), file: file, line: line)
        let layers = try reference.layers.map { try model.requireLayer($0.name) }
        let outputs = try model.graph.evaluate(
            [try Fixtures.tensor(Self.folder + reference.input)],
            targets: layers.map(\.outputNode))
        var worst: Float = 0
        for (expected, layer) in zip(reference.layers, layers) {
            let actual = outputs[layer.outputNode]!
            let wanted = try Fixtures.tensor(Self.folder + expected.output)
            assertClose(actual, wanted, tolerance: 1e-4, "\(format): layer \(layer.name)", file: file, line: line)
            worst = max(worst, Self.relativeDifference(actual, wanted))
        }
        print("raw \(format) vs PyTorch: max |diff| / max |ref| over every layer = \(worst)")
    }

    func testGradCAMMatchesPyTorchAutograd() throws {
        let reference = try reference()
        let model = try load("model.yaml")
        let visualizer = GradCAMVisualizer()
        try visualizer.configure(
            runOptions("{layer: \(reference.gradcam.layer), class: \(reference.gradcam.class)}"),
            model: model)
        let sink = CollectingSink()
        let input = RunInput(
            id: "x", path: "input.npy", tensor: try Fixtures.tensor(Self.folder + reference.input),
            original: nil)
        try visualizer.run(RunContext(model: model, inputs: [input], runName: "gradcam", sink: sink))
        let heatmap = try XCTUnwrap(sink.array(role: "heatmap", input: "x", classIndex: reference.gradcam.class))
        let expected = try Fixtures.tensor(Self.folder + reference.gradcam.heatmap)
        let actual = heatmap.reshaped(Array(heatmap.shape.dropFirst()))
        assertClose(actual, expected, tolerance: 1e-3, "Grad-CAM")
        print("raw Grad-CAM vs PyTorch autograd: max |diff| / max |ref| = \(Self.relativeDifference(actual, expected))")
    }

    // MARK: - Keras layout

    func testKerasLayoutEqualsHDF5LoaderExactly() throws {
        for fixture in ["k2_sequential", "k2_functional"] {
            let raw = try RawModelLoader().load(ModelSpec(path: Fixtures.path("raw/keras/\(fixture).yaml")))
            let keras = try HDF5ModelLoader().load(ModelSpec(path: Fixtures.path("models/\(fixture)/model.h5")))
            let input = try Fixtures.tensor("models/\(fixture)/input.npy")
            XCTAssertEqual(raw.computedLayers.map(\.name), keras.computedLayers.map(\.name), fixture)
            XCTAssertEqual(raw.parameterCount, keras.parameterCount, fixture)
            let rawOutputs = try raw.graph.evaluate([input], targets: raw.computedLayers.map(\.outputNode))
            let kerasOutputs = try keras.graph.evaluate([input], targets: keras.computedLayers.map(\.outputNode))
            for (rawLayer, kerasLayer) in zip(raw.computedLayers, keras.computedLayers) {
                XCTAssertEqual(
                    rawOutputs[rawLayer.outputNode]!.standardized(), kerasOutputs[kerasLayer.outputNode]!.standardized(),
                    "\(fixture): layer \(rawLayer.name)")
            }
        }
    }

    /// max |actual − expected| / max |expected|, for the report.
    private static func relativeDifference(_ actual: Tensor, _ expected: Tensor) -> Float {
        let (actual, expected) = (actual.standardized(), expected.standardized())
        guard actual.shape == expected.shape else { return .infinity }
        let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        return difference / (expected.maxAbs > 0 ? expected.maxAbs : 1)
    }
}
