import HDF5Loader
import VizTesting
import VizCore
import XCTest

/// Golden tests of the layer families of Scripts/make_layer_fixtures.py: every layer's output and
/// the input gradient, as Keras computed them from each file (tf-keras 2 and Keras 3), against what
/// vizrun computes from the same file.
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

    private func checkFixture(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try FixtureReference(fixture, collection: "layers")
        let model = try HDF5ModelLoader().load(ModelSpec(path: reference.modelPath))
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version, file: file, line: line)
        try reference.assertOutputsMatch(model, file: file, line: line)
        try reference.assertInputGradientMatches(model, file: file, line: line)
    }

    /// `hard_sigmoid` is read by the file's Keras version: the same Keras 3 file relabelled as
    /// Keras 2 computes the other formula, and no longer matches Keras 3's reference.
    func testHardSigmoidFollowsTheFilesKerasVersion() throws {
        let reference = try FixtureReference("k3_activations", collection: "layers")
        let relabelled = try copyOfFixtureModel(reference)
        try HDF5TestWriter(editing: relabelled).setString("2.15.0", attribute: "keras_version")
        let model = try HDF5ModelLoader().load(ModelSpec(path: relabelled))
        let layer = try model.requireLayer("act_hard_sigmoid")
        let output = try model.graph.evaluate([try reference.inputTensor()], targets: [layer.outputNode])[layer.outputNode]!
        let expected = try XCTUnwrap(reference.layers.first { $0.name == "act_hard_sigmoid" })
        let keras3 = try Fixtures.tensor("\(reference.folder)/\(expected.output)")
        let input = try XCTUnwrap(reference.layers.first { $0.class == "Rescaling" })
        let keras2 = Tensor(shape: keras3.shape, scalars: try Fixtures.tensor("\(reference.folder)/\(input.output)").scalars
            .map { min(max(0.2 * $0 + 0.5, 0), 1) })
        assertClose(output, keras2, tolerance: 1e-6)
        XCTAssertGreaterThan(zip(output.scalars, keras3.scalars).map { abs($0 - $1) }.max()!, 0.01)
    }

    /// The error for a class vizrun does not know names the layer, its class and the file.
    func testUnknownLayerClassFailsNamingLayerClassAndFile() throws {
        let path = try copyOfFixtureModel(try FixtureReference("k3_shapes", collection: "layers"))
        var config = try EditableModelConfig(of: path)
        try config.editLayer("permute") { $0["class_name"] = "MyCustomLayer" }
        try config.write()
        assertVizError(try HDF5ModelLoader().load(ModelSpec(path: path)), at: path,
                       "layer 'permute' has class 'MyCustomLayer', which vizrun cannot run; a layer plugin can add it")
    }
}
