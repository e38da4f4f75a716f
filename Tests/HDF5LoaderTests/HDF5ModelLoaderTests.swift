import Foundation
import HDF5Loader
import KerasTestSupport
import VizCore
import VizTesting
import XCTest

/// What the loader records about a model, and the files it cannot run: each must fail with one
/// clear `VizError` located at the file, never a crash.
final class HDF5ModelLoaderTests: TemporaryFilesTestCase {
    private func load(_ path: String) throws -> Model {
        try HDF5ModelLoader().load(ModelSpec(path: path))
    }

    /// A copy of a fixture's model with its model_config changed by `edit`.
    private func fixtureModel(_ fixture: String, _ edit: (inout EditableModelConfig) throws -> Void) throws -> String {
        let path = try copyOfFixtureModel(try FixtureReference(fixture))
        var config = try EditableModelConfig(of: path)
        try edit(&config)
        try config.write()
        return path
    }

    func testRegistersUnderItsNameAndExtensions() throws {
        let registry = Registry()
        try registry.register(loader: HDF5ModelLoader.self)
        XCTAssertTrue(try registry.loader(for: ModelSpec(path: "/models/cats.H5")) is HDF5ModelLoader)
        XCTAssertTrue(try registry.loader(for: ModelSpec(path: "/models/cats.hdf5")) is HDF5ModelLoader)
        XCTAssertTrue(try registry.loader(for: ModelSpec(path: "/models/cats.bin", loader: "hdf5")) is HDF5ModelLoader)
    }

    func testRecordsWhereTheModelCameFrom() throws {
        let reference = try FixtureReference("k2_functional")
        let model = try load(reference.modelPath)
        XCTAssertEqual(model.metadata["model_class"], "Functional")
        XCTAssertEqual(model.metadata["backend"], "tensorflow")
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version)
        XCTAssertEqual(model.layer(named: "add")?.inputLayers, ["conv2d_1", "conv2d_2"])
        XCTAssertEqual(model.layer(named: "conv2d")?.parameterCount, 3 * 3 * 1 * 6 + 6)
        let conv = try XCTUnwrap(model.layer(named: "conv2d"))
        XCTAssertEqual(model.graph.nodes[try XCTUnwrap(conv.preActivationNode)].name, "conv2d~linear")
        XCTAssertNil(model.layer(named: "conv2d_1")?.preActivationNode, "a linear layer is one node")
    }

    func testFilesThatAreNotWholeKerasModels() throws {
        let missing = temporaryPath("missing.h5")
        assertVizError(try load(missing), at: missing, "no such file")

        let garbage = temporaryPath("garbage.h5")
        try Data(repeating: 0x42, count: 3000).write(to: URL(fileURLWithPath: garbage))
        assertVizError(try load(garbage), at: garbage, "not an HDF5 file")

        let empty = temporaryPath("empty.h5")
        _ = try HDF5TestWriter(creating: empty)
        assertVizError(try load(empty), at: empty, "has no model_config attribute")

        let weightsOnly = temporaryPath("weights.h5")
        do {
            let writer = try HDF5TestWriter(creating: weightsOnly)
            try writer.setStrings(["dense"], attribute: "layer_names", storage: .fixedLength)
            try writer.createGroup("/dense")
            try writer.setEmptyList(attribute: "weight_names", on: "/dense")
        }
        assertVizError(try load(weightsOnly), at: weightsOnly, "holds weights only", "model.save")

        let keras3Weights = temporaryPath("model.weights.h5")
        do {
            let writer = try HDF5TestWriter(creating: keras3Weights)
            try writer.createGroup("/layers/conv2d/vars")
            try writer.createGroup("/vars")
        }
        assertVizError(try load(keras3Weights), at: keras3Weights, "holds weights only")
    }

    func testTruncatedFilesFailCleanly() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try FixtureReference("k3_functional").modelPath))
        for fraction in [0.001, 0.1, 0.5, 0.9, 0.999] {
            let path = temporaryPath("truncated-\(fraction).h5")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: URL(fileURLWithPath: path))
            assertVizError(try load(path), at: path)
        }
    }

    func testUnsupportedLayerClasses() throws {
        let lambda = try fixtureModel("k2_functional") { config in
            try config.editLayer("activation") { $0["class_name"] = "Lambda" }
        }
        assertVizError(
            try load(lambda), at: lambda,
            "layer 'activation' has class 'Lambda', which vizrun cannot run; a layer plugin can add it (see Docs/plugins.md)")

        let notAModel = try fixtureModel("k3_functional") { config in
            try config.editLayer("dense") { $0["class_name"] = "Functional" }
        }
        assertVizError(
            try load(notAModel), at: notAModel,
            "malformed model_config: nested model 'dense': config.layers should be a list")

        let unknownMerge = try copyOfFixtureModel(try FixtureReference("keras1_functional_th", in: "formats"))
        var keras1 = try EditableModelConfig(of: unknownMerge)
        try keras1.editLayerOptions("merge_1") { $0["mode"] = "cos" }
        try keras1.write()
        assertVizError(try load(unknownMerge), at: unknownMerge, "layer 'merge_1' has class 'Merge', which vizrun cannot run")
    }

    func testUnsupportedOptions() throws {
        let activation = try fixtureModel("k2_sequential") { config in
            try config.editLayerOptions("dense_1") { $0["activation"] = "my_custom_activation" }
        }
        assertVizError(
            try load(activation), at: activation,
            "layer 'dense_1' uses activation 'my_custom_activation', which vizrun cannot run (known: ")

        let channelsFirst = try fixtureModel("k2_sequential") { config in
            try config.editLayerOptions("conv2d_1") { $0["data_format"] = "channels_first" }
        }
        assertVizError(
            try load(channelsFirst), at: channelsFirst,
            "layer 'conv2d' uses data_format 'channels_last' on "
                + "the channels_first output of", "vizrun cannot run a model that mixes data formats")

        let grouped = try fixtureModel("k3_sequential") { config in
            try config.editLayerOptions("conv2d_1") { $0["groups"] = 2 }
        }
        assertVizError(try load(grouped), at: grouped, "layer 'conv2d_1' is a grouped convolution")

        let badPadding = try fixtureModel("k3_sequential") { config in
            try config.editLayerOptions("max_pooling2d") { $0["padding"] = "causal" }
        }
        assertVizError(try load(badPadding), at: badPadding, "layer 'max_pooling2d' uses padding 'causal'")
    }

    /// Keras 3 records `3.0 - x` as a Subtract operation called with `[3.0, x]` (MobileNetV3 has
    /// `x + 3.0` and `x * (1 / 6)`); vizrun runs it as an affine map of x.
    func testArithmeticWithANumber() throws {
        let path = try fixtureModel("k3_functional") { config in
            try config.editLayer("add") { entry in
                var node = try XCTUnwrap((entry["inbound_nodes"] as? [[String: Any]])?.first)
                let tensors = try XCTUnwrap((node["args"] as? [Any])?.first as? [Any])
                node["args"] = [3.0, tensors[0]]
                entry["class_name"] = "Subtract"
                entry["inbound_nodes"] = [node]
            }
        }
        let model = try load(path)
        let operation = try model.requireLayer("add")
        let operand = try model.requireLayer(try XCTUnwrap(operation.inputLayers.first))
        XCTAssertEqual(operation.inputLayers.count, 1)
        let input = try FixtureReference("k3_functional").inputTensor()
        let values = try model.graph.evaluate([input], targets: [operation.outputNode, operand.outputNode])
        let x = try XCTUnwrap(values[operand.outputNode])
        assertClose(
            try XCTUnwrap(values[operation.outputNode]), Tensor(shape: x.shape, scalars: x.scalars.map { 3 - $0 }),
            tolerance: 1e-6)
    }

    /// A TFOpLambda vizrun has no arithmetic for fails naming the layer and the TensorFlow function.
    func testUnknownTFOpLambdaNamesItsFunction() throws {
        let path = try fixtureModel("k2_functional") { config in
            try config.editLayer("flatten") { entry in
                entry["class_name"] = "TFOpLambda"
                var options = try XCTUnwrap(entry["config"] as? [String: Any])
                options["function"] = "math.reduce_logsumexp"
                entry["config"] = options
            }
        }
        assertVizError(
            try load(path), at: path,
            "layer 'flatten' is a TFOpLambda calling math.reduce_logsumexp on 1 "
                + "tensor(s), which vizrun cannot run")
    }

    func testCallsVizrunCannotRepresent() throws {
        // Keras 3 records `x + [3.0, 4.0]` as an Add "layer" called with a constant list; vizrun runs
        // arithmetic with one number only.
        let constant = try fixtureModel("k3_functional") { config in
            try config.editLayer("add") { entry in
                var node = try XCTUnwrap((entry["inbound_nodes"] as? [[String: Any]])?.first)
                let tensors = try XCTUnwrap((node["args"] as? [Any])?.first as? [Any])
                node["args"] = [tensors[0], [3.0, 4.0]]
                entry["inbound_nodes"] = [node]
            }
        }
        assertVizError(try load(constant), at: constant, "layer 'add' (Add) is called with constant arguments")

        let shared = try fixtureModel("k2_functional") { config in
            try config.editLayer("dense_1") { entry in
                let nodes = try XCTUnwrap(entry["inbound_nodes"] as? [Any])
                entry["inbound_nodes"] = nodes + nodes
            }
        }
        assertVizError(try load(shared), at: shared, "layer 'dense_1' is applied 2 times (a shared layer)")

        let dangling = try fixtureModel("k2_functional") { config in
            try config.editLayer("flatten") { $0["inbound_nodes"] = [[["nowhere", 0, 0, [:] as [String: Any]]]] }
        }
        assertVizError(try load(dangling), at: dangling, "layer 'flatten' takes input from 'nowhere', which is not a layer")
    }

    func testWeightsThatDisagreeWithTheConfig() throws {
        let widened = try fixtureModel("k2_sequential") { config in
            try config.editLayerOptions("dense") { $0["units"] = 17 }
        }
        assertVizError(
            try load(widened), at: widened,
            "layer 'dense': weight 'dense/kernel:0' has shape (32, 16), but the layer's config implies (32, 17)")

        let unbiased = try fixtureModel("k2_sequential") { config in
            try config.editLayerOptions("conv2d") { $0["use_bias"] = false }
        }
        assertVizError(
            try load(unbiased), at: unbiased,
            "layer 'conv2d' stores weights its config does not call for: conv2d/bias:0")

        let reference = try FixtureReference("k2_sequential")
        let missing = try copyOfFixtureModel(reference)
        try HDF5TestWriter(editing: missing).deleteLink("/model_weights/conv2d/conv2d/kernel:0")
        assertVizError(try load(missing), at: missing, "cannot read dataset /model_weights/conv2d/conv2d/kernel:0")
    }

    func testSequentialSavedBeforeItWasBuilt() throws {
        let unbuilt = try fixtureModel("k2_sequential") { config in
            config.layers.removeFirst()
        }
        assertVizError(try load(unbuilt), at: unbuilt, "layer 'conv2d_input' declares no input shape")

        // A class vizrun cannot run is the first thing to report, even without an input shape.
        let lambda = try fixtureModel("k2_sequential") { config in
            config.layers.removeFirst()
            try config.editLayer("dense") { $0["class_name"] = "Lambda" }
        }
        assertVizError(try load(lambda), at: lambda, "layer 'dense' has class 'Lambda'")
    }

    func testUnreadableConfigsAndVersions() throws {
        let reference = try FixtureReference("k2_sequential")
        let notJSON = try copyOfFixtureModel(reference)
        try HDF5TestWriter(editing: notJSON).setString("{\"class_name\": ", attribute: "model_config")
        assertVizError(try load(notJSON), at: notJSON, "the model_config attribute is not valid JSON")

        let malformed = try fixtureModel("k2_functional") { config in
            try config.editLayer("dense") { $0["class_name"] = nil }
        }
        assertVizError(try load(malformed), at: malformed, "malformed model_config: layer 'dense': class_name should be a string")

        let zeroStride = try fixtureModel("k3_sequential") { config in
            try config.editLayerOptions("conv2d") { $0["strides"] = [0, 1] }
        }
        assertVizError(
            try load(zeroStride), at: zeroStride, "layer 'conv2d' has option 'strides' = ",
            "expected a positive integer or a list of two")

        let outputless = try fixtureModel("k2_functional") { config in
            var options = try XCTUnwrap(config.json["config"] as? [String: Any])
            options["output_layers"] = [Any]()
            config.json["config"] = options
        }
        assertVizError(try load(outputless), at: outputless, "the model declares no outputs")

        let subclassed = try copyOfFixtureModel(reference)
        try HDF5TestWriter(editing: subclassed).setString(
            "{\"class_name\": \"MyModel\", \"config\": {}}",
            attribute: "model_config")
        assertVizError(try load(subclassed), at: subclassed, "the model has class 'MyModel'")
    }
}
