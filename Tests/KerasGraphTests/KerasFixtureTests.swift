import HDF5Loader
import KerasTestSupport
import VizCore
import XCTest

/// Golden tests: every layer's output and the input gradient of each Keras fixture, as computed by
/// Keras itself (Scripts/make_fixtures.py), against what vizrun computes from the same file.
final class KerasFixtureTests: XCTestCase {
    func testTFKerasSequential() throws { try checkFixture("k2_sequential") }
    func testKeras3Sequential() throws { try checkFixture("k3_sequential") }
    func testTFKerasFunctional() throws { try checkFixture("k2_functional") }
    func testKeras3Functional() throws { try checkFixture("k3_functional") }
    func testTrainedSeedModel() throws { try checkFixture("seed") }

    private func checkFixture(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try FixtureReference(fixture)
        let model = try HDF5ModelLoader().load(ModelSpec(path: reference.modelPath))
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version, file: file, line: line)
        XCTAssertEqual(model.loaderName, "hdf5", file: file, line: line)
        try reference.assertOutputsMatch(model, file: file, line: line)
        try reference.assertInputGradientMatches(model, file: file, line: line)
    }
}
