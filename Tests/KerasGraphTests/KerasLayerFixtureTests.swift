import HDF5Loader
import KerasTestSupport
import VizCore
import VizTesting
import XCTest

/// Golden tests of the layer families of Scripts/make_layer_fixtures.py: every layer's output and
/// the input gradient, as Keras computed them from each file (tf-keras 2 and Keras 3 .h5, Keras 3
/// .keras), against what vizrun computes from the same file.
final class KerasLayerFixtureTests: TemporaryFilesTestCase {
    func testTFKerasConvolutions() throws { try checkFixture("k2_convolutions") }
    func testKeras3Convolutions() throws { try checkFixture("k3_convolutions") }
    func testTFKerasNormalization() throws { try checkFixture("k2_normalization") }
    func testKeras3Normalization() throws { try checkFixture("k3_normalization") }
    func testTFKerasShapes() throws { try checkFixture("k2_shapes") }
    func testKeras3Shapes() throws { try checkFixture("k3_shapes") }
    func testTFKerasActivations() throws { try checkFixture("k2_activations") }
    func testKeras3Activations() throws { try checkFixture("k3_activations") }
    func testTFKerasMerges() throws { try checkFixture("k2_merges") }
    func testKeras3Merges() throws { try checkFixture("k3_merges") }
    func testTFKerasSequences() throws { try checkFixture("k2_sequences") }
    func testKeras3Sequences() throws { try checkFixture("k3_sequences") }
    // The Keras 3 models again as .keras archives, whose weights are unnamed: each layer mapping
    // must take them in the order of Keras's `layer.weights`.
    func testKerasArchiveConvolutions() throws { try checkFixture("k3_convolutions_keras") }
    func testKerasArchiveNormalization() throws { try checkFixture("k3_normalization_keras") }
    func testKerasArchiveShapes() throws { try checkFixture("k3_shapes_keras") }
    func testKerasArchiveActivations() throws { try checkFixture("k3_activations_keras") }
    func testKerasArchiveMerges() throws { try checkFixture("k3_merges_keras") }
    func testKerasArchiveSequences() throws { try checkFixture("k3_sequences_keras") }

    private func checkFixture(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try FixtureReference(fixture, in: "layers")
        let model = try KerasFormatFixtureTests.load(reference)
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version, file: file, line: line)
        try reference.assertOutputsMatch(model, file: file, line: line)
        try reference.assertInputGradientMatches(model, file: file, line: line)
    }

    /// `hard_sigmoid` is read by the file's Keras version: the same Keras 3 file relabelled as
    /// Keras 2 computes the other formula, and no longer matches Keras 3's reference.
    func testHardSigmoidFollowsTheFilesKerasVersion() throws {
        let reference = try FixtureReference("k3_activations", in: "layers")
        let relabelled = try copyOfFixtureModel(reference)
        try HDF5TestWriter(editing: relabelled).setString("2.15.0", attribute: "keras_version")
        let model = try HDF5ModelLoader().load(ModelSpec(path: relabelled))
        let layer = try model.requireLayer("act_hard_sigmoid")
        let output = try model.graph.evaluate([try reference.inputTensor()], targets: [layer.outputNode])[layer.outputNode]!
        let expected = try XCTUnwrap(reference.layers.first { $0.name == "act_hard_sigmoid" })
        let keras3 = try Fixtures.tensor("\(reference.folder)/\(expected.output)")
        let input = try XCTUnwrap(reference.layers.first { $0.class == "Rescaling" })
        let keras2 = Tensor(
            shape: keras3.shape,
            scalars: try Fixtures.tensor("\(reference.folder)/\(input.output)").scalars
                .map { min(max(0.2 * $0 + 0.5, 0), 1) })
        assertClose(output, keras2, tolerance: 1e-6)
        XCTAssertGreaterThan(zip(output.scalars, keras3.scalars).map { abs($0 - $1) }.max()!, 0.01)
    }

    /// The error for a class vizrun does not know names the layer, its class and the file.
    func testUnknownLayerClassFailsNamingLayerClassAndFile() throws {
        let path = try copyOfFixtureModel(try FixtureReference("k3_shapes", in: "layers"))
        var config = try EditableModelConfig(of: path)
        try config.editLayer("permute") { $0["class_name"] = "MyCustomLayer" }
        try config.write()
        assertVizError(
            try HDF5ModelLoader().load(ModelSpec(path: path)), at: path,
            "layer 'permute' has class 'MyCustomLayer', which vizrun cannot run; a layer plugin can add it")
    }

    /// Options of the new layers that vizrun cannot honour fail naming the layer and the option,
    /// rather than computing something else.
    func testOptionsVizrunCannotRunAreRefused() throws {
        func edited(_ fixture: String, layer: String, _ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
            let path = try copyOfFixtureModel(try FixtureReference(fixture, in: "layers"))
            var config = try EditableModelConfig(of: path)
            try config.editLayerOptions(layer, edit)
            try config.write()
            return path
        }
        func load(_ path: String) throws -> Model { try HDF5ModelLoader().load(ModelSpec(path: path)) }

        let causal = try edited("k2_sequences", layer: "conv1d") { $0["padding"] = "causal" }
        assertVizError(try load(causal), at: causal, "layer 'conv1d' uses padding 'causal'")
        let bicubic = try edited("k3_shapes", layer: "up_sampling2d_1") { $0["interpolation"] = "bicubic" }
        assertVizError(try load(bicubic), at: bicubic, "layer 'up_sampling2d_1' uses interpolation 'bicubic'")
        let cropped = try edited("k3_shapes", layer: "resizing") { $0["crop_to_aspect_ratio"] = true }
        assertVizError(try load(cropped), at: cropped, "layer 'resizing' sets crop_to_aspect_ratio")
        let rms = try edited("k3_normalization", layer: "layer_normalization") { $0["rms_scaling"] = true }
        assertVizError(try load(rms), at: rms, "layer 'layer_normalization' uses rms_scaling")
        let statistics = try edited("k3_normalization", layer: "normalization") { $0["mean"] = [0.1, 0.2, 0.3] }
        assertVizError(try load(statistics), at: statistics, "layer 'normalization' has 3 means and 4 variances")
        let axes = try edited("k3_activations", layer: "softmax") { $0["axis"] = [1, 2] }
        assertVizError(try load(axes), at: axes, "layer 'softmax' normalises over several axes")
    }
}
