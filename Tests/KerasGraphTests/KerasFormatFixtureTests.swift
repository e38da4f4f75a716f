import KerasLoader
import KerasTestSupport
import VizCore
import XCTest

@testable import HDF5Loader
@testable import KerasGraph

/// Golden tests over the file formats and Keras versions (Scripts/make_format_fixtures.py): every
/// layer, nested ones included, and the input gradient, against what Keras computed.
final class KerasFormatFixtureTests: XCTestCase {
    func testNestedSequentialFromTFKeras() throws { try checkFixture("nested_sequential_k2") }
    func testNestedSequentialFromKeras3() throws { try checkFixture("nested_sequential_k3") }
    func testNestedSequentialInKerasArchive() throws { try checkFixture("nested_sequential_k3_keras") }
    func testNestedSequentialInTFKerasArchive() throws { try checkFixture("nested_sequential_k2_keras") }
    func testTwoLevelsNestedFromTFKeras() throws { try checkFixture("nested_functional_k2") }
    func testTwoLevelsNestedFromKeras3() throws { try checkFixture("nested_functional_k3") }
    func testTwoLevelsNestedInKerasArchive() throws { try checkFixture("nested_functional_k3_keras") }
    func testTwoLevelsNestedInTFKerasArchive() throws { try checkFixture("nested_functional_k2_keras") }
    func testChunkedLayerAndWeightNames() throws { try checkFixture("chunked_names_k2") }
    func testChannelsFirstFromTFKeras() throws { try checkFixture("channels_first_k2") }
    func testChannelsFirstFromKeras3() throws { try checkFixture("channels_first_k3") }
    func testKeras1Sequential() throws { try checkFixture("keras1_sequential") }
    func testKeras1FunctionalWithTheanoOrdering() throws { try checkFixture("keras1_functional_th") }

    /// Loads a fixture with the loader its extension selects, as `vizrun` does.
    static func load(_ reference: FixtureReference) throws -> Model {
        let registry = Registry()
        try registry.register(loader: HDF5ModelLoader.self)
        try registry.register(loader: KerasArchiveLoader.self)
        let spec = ModelSpec(path: reference.modelPath)
        return try registry.loader(for: spec).load(spec)
    }

    private func checkFixture(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try FixtureReference(fixture, in: "formats")
        let model = try Self.load(reference)
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version, file: file, line: line)
        XCTAssertEqual(model.loaderName, reference.model.hasSuffix(".keras") ? "keras" : "hdf5", file: file, line: line)
        try reference.assertOutputsMatch(model, file: file, line: line)
        try reference.assertInputGradientMatches(model, file: file, line: line)
    }

    // MARK: - What a nested model looks like

    func testNestedLayersAreNamedOuterSlashInnerAndListedAfterTheirModel() throws {
        for fixture in ["nested_sequential_k2", "nested_sequential_k3_keras"] {
            let model = try Self.load(try FixtureReference(fixture, in: "formats"))
            let base = try XCTUnwrap(model.layer(named: "conv_base"))
            XCTAssertEqual(base.className, "Functional")
            XCTAssertEqual(
                base.members,
                [
                    "conv_base/block1_conv1", "conv_base/block1_conv2", "conv_base/block1_pool",
                    "conv_base/block2_conv1", "conv_base/block2_conv2", "conv_base/block2_pool",
                ])
            XCTAssertEqual(
                model.layers.map(\.name),
                ["image", "conv_base"] + base.members
                    + ["flatten", "dense", "dropout", "predictions"])
            XCTAssertEqual(
                model.layer(named: "conv_base/block1_conv1")?.inputLayers, ["image"],
                "a nested input layer stands for what feeds the nested model")
            XCTAssertEqual(model.layer(named: "flatten")?.inputLayers, ["conv_base"])
            XCTAssertEqual(base.outputNode, model.layer(named: "conv_base/block2_pool")?.outputNode)
            XCTAssertEqual(
                model.graph.nodes[try XCTUnwrap(model.layer(named: "conv_base/block2_conv2")?.preActivationNode)]
                    .name, "conv_base/block2_conv2~linear")
            // As Keras's count_params(): the base's parameters are counted once.
            XCTAssertEqual(base.parameterCount, 168 + 330 + 440 + 584)
            XCTAssertEqual(model.parameterCount, 168 + 330 + 440 + 584 + (200 * 16 + 16) + (16 * 3 + 3))
            XCTAssertEqual(model.graph.inputNodes.count, 1, "a nested model's inputs add no graph inputs")
        }
        let deep = try Self.load(try FixtureReference("nested_functional_k3_keras", in: "formats"))
        XCTAssertEqual(
            deep.layer(named: "mid")?.members,
            [
                "mid/inner", "mid/inner/inner_conv", "mid/inner/inner_add",
                "mid/mid_conv",
            ])
        XCTAssertEqual(deep.layer(named: "mid/inner/inner_add")?.inputLayers, ["stem", "mid/inner/inner_conv"])
    }

    // MARK: - Versions and data formats

    func testTheKerasVersionReachesTheLayerOptions() throws {
        let version = KerasVersion("2.2.4-tf")
        XCTAssertEqual([version.major, version.minor], [2, 2])
        XCTAssertEqual(KerasVersion("3.15.1").major, 3)
        XCTAssertEqual(KerasVersion("1").major, 1)
        let config = try KerasModelConfig(
            json: """
                {"class_name": "Sequential", "config": [{"class_name": "Dense",
                 "config": {"name": "d", "output_dim": 3, "batch_input_shape": [null, 4]}}]}
                """, source: "the model_config attribute", kerasVersion: KerasVersion("1.2.2"), location: "m.h5")
        let dense = try XCTUnwrap(config.layers.last)
        XCTAssertEqual(dense.options.kerasVersion.text, "1.2.2")
        XCTAssertEqual(try dense.options.int("units"), 3, "Keras 1 option names are renamed before layer mapping")
    }

    func testChannelsFirstModelsRunChannelsLast() throws {
        let model = try Self.load(try FixtureReference("channels_first_k3", in: "formats"))
        XCTAssertEqual(model.inputShape, [12, 10, 3], "fed (H, W, C) like every vizrun model")
        XCTAssertEqual(model.outputShape(of: try XCTUnwrap(model.layer(named: "concat"))), [12, 10, 10])
    }
}
