import Foundation
import HDF5
import HDF5Loader
import KerasTestSupport
import VizCore
import XCTest

/// Files in the shapes other Keras and h5py versions write, made by rewriting fixtures; each must
/// load and still compute exactly what Keras computed from the original.
final class KerasFormatVariantTests: TemporaryFilesTestCase {
    /// Keras ≤2.2.2: the Sequential config is a bare list, the input shape sits on the first layer,
    /// and Keras names the input it creates `<first layer>_input`.
    func testSequentialWrittenAsABareList() throws {
        let reference = try FixtureReference("k2_sequential")
        let path = try copyOfFixtureModel(reference)
        var config = try EditableModelConfig(of: path)
        config.json["config"] = try Self.layersWithoutInputLayer(config)
        try config.write()
        try assertMatchesReferenceWithSynthesisedInput(path, reference)
    }

    /// Keras 2.2.3–2.3: `{name, layers}` without an InputLayer.
    func testSequentialWithoutInputLayer() throws {
        let reference = try FixtureReference("k2_sequential")
        let path = try copyOfFixtureModel(reference)
        var config = try EditableModelConfig(of: path)
        config.layers = try Self.layersWithoutInputLayer(config)
        try config.write()
        try assertMatchesReferenceWithSynthesisedInput(path, reference)
    }

    /// The layers minus the InputLayer, its shape moved onto the first layer as `batch_input_shape`.
    private static func layersWithoutInputLayer(_ config: EditableModelConfig) throws -> [[String: Any]] {
        var layers = config.layers
        let input = layers.removeFirst()
        XCTAssertEqual(input["class_name"] as? String, "InputLayer")
        let shape = try XCTUnwrap((input["config"] as? [String: Any])?["batch_input_shape"])
        var first = try XCTUnwrap(layers[0]["config"] as? [String: Any])
        first["batch_input_shape"] = shape
        layers[0]["config"] = first
        return layers
    }

    private func assertMatchesReferenceWithSynthesisedInput(
        _ path: String, _ reference: FixtureReference,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let model = try HDF5ModelLoader().load(ModelSpec(path: path))
        let firstLayer = reference.layers[0].name
        XCTAssertEqual(model.layers.first?.name, "\(firstLayer)_input", file: file, line: line)
        XCTAssertEqual(model.layers.first?.className, "InputLayer", file: file, line: line)
        XCTAssertEqual(model.layer(named: firstLayer)?.inputLayers, ["\(firstLayer)_input"], file: file, line: line)
        try reference.assertOutputsMatch(model, file: file, line: line)
    }

    /// Keras 1 and ≤2.2.2 write a nested Sequential's config as the bare list of its layers, its
    /// name on the entry only.
    func testNestedSequentialWrittenAsABareList() throws {
        let reference = try FixtureReference("nested_functional_k2", in: "formats")
        let path = try copyOfFixtureModel(reference)
        var config = try EditableModelConfig(of: path)
        try config.editLayer("mid") { entry in
            let nested = try XCTUnwrap(entry["config"] as? [String: Any])
            entry["config"] = try XCTUnwrap(nested["layers"])
            XCTAssertEqual(entry["name"] as? String, "mid")
        }
        try config.write()
        try reference.assertOutputsMatch(try HDF5ModelLoader().load(ModelSpec(path: path)))
    }

    /// Keras 3 `.keras` configs serialize activations as functions rather than names.
    func testActivationsSerializedAsFunctions() throws {
        let reference = try FixtureReference("k3_functional")
        let path = try copyOfFixtureModel(reference)
        var config = try EditableModelConfig(of: path)
        var rewritten = 0
        for layer in config.layers {
            let name = try XCTUnwrap((layer["config"] as? [String: Any])?["name"] as? String)
            try config.editLayerOptions(name) { options in
                guard let activation = options["activation"] as? String else { return }
                options["activation"] = [
                    "module": "builtins", "class_name": "function", "config": activation,
                    "registered_name": "function",
                ]
                rewritten += 1
            }
        }
        XCTAssertGreaterThan(rewritten, 0)
        try config.write()
        try reference.assertOutputsMatch(try HDF5ModelLoader().load(ModelSpec(path: path)))
    }

    /// Layer names may contain `/` and `:`: the weights then sit in nested groups.
    func testLayerNamedWithSlashAndColon() throws {
        let reference = try FixtureReference("k2_sequential")
        let path = try copyOfFixtureModel(reference)
        let strange = "weird/name:0"
        var config = try EditableModelConfig(of: path)
        try config.editLayerOptions("dense") { $0["name"] = strange }
        try config.write()
        try HDF5TestWriter(editing: path).move("/model_weights/dense", to: "/model_weights/\(strange)")

        let model = try HDF5ModelLoader().load(ModelSpec(path: path))
        XCTAssertEqual(model.layer(named: strange)?.parameterCount, 32 * 16 + 16)
        try reference.assertOutputsMatch(model, renamed: ["dense": strange])
    }

    /// h5py 2 writes lists as fixed-length strings, and Keras splits long lists into `NAME0`, `NAME1`, ….
    func testChunkedFixedLengthWeightNames() throws {
        let reference = try FixtureReference("k3_sequential")
        let path = try copyOfFixtureModel(reference)
        let group = "/model_weights/conv2d"
        let names = try XCTUnwrap(try HDF5File(path: path).root().group(group).stringListAttribute("weight_names"))
        XCTAssertEqual(names.count, 2)
        do {
            let writer = try HDF5TestWriter(editing: path)
            try writer.deleteAttribute("weight_names", on: group)
            try writer.setStrings([names[0]], attribute: "weight_names0", on: group, storage: .fixedLength)
            try writer.setStrings([names[1]], attribute: "weight_names1", on: group, storage: .fixedLength)
        }
        try reference.assertOutputsMatch(try HDF5ModelLoader().load(ModelSpec(path: path)))
    }

    /// Weights at the root with `layer_names`, the way `save_weights` lays them out.
    func testWeightsAtTheRoot() throws {
        let reference = try FixtureReference("k2_sequential")
        let path = try copyOfFixtureModel(reference)
        let layerNames = try XCTUnwrap(
            try HDF5File(path: path).root().group("model_weights")
                .stringListAttribute("layer_names"))
        do {
            let writer = try HDF5TestWriter(editing: path)
            for layer in layerNames { try writer.move("/model_weights/\(layer)", to: "/\(layer)") }
            try writer.deleteLink("/model_weights")
            try writer.setStrings(layerNames, attribute: "layer_names", storage: .fixedLength)
        }
        try reference.assertOutputsMatch(try HDF5ModelLoader().load(ModelSpec(path: path)))
    }
}
