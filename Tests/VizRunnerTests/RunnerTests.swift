import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

final class RunnerTests: RunnerTestCase {
    /// The seed procedure end to end: JPEG decoding, nearest resize, /255, the first 8 layers, and the
    /// raw activations equal to Keras's for the same file and image.
    func testSeedRunMatchesKerasThroughTheWholePipeline() throws {
        let config = try write(demoConfig(runs: """
          - visualizer: activations
            name: acts
            layers: {first: 8}
            channels: [4, 7]
        """))
        let manifest = try Runner(registry: .builtins()).run(configAt: config).manifest()
        XCTAssertEqual(manifest.model.loader, "hdf5")
        XCTAssertEqual(manifest.model.inputShape, [150, 150, 3])
        XCTAssertEqual(manifest.inputs.map(\.id), ["chelsea"])
        let artifacts = try XCTUnwrap(manifest.runs.first?.artifacts)
        let arrays = artifacts.filter { $0.role == "activation" }
        XCTAssertEqual(arrays.count, 8)
        XCTAssertEqual(artifacts.filter { $0.role == "grid" }.count, 8)
        XCTAssertEqual(artifacts.filter { $0.role == "channel" }.count, 16)

        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/seed/reference.json")))) as! [String: Any]
        let layers = reference["layers"] as! [[String: Any]]
        for (record, expected) in zip(arrays, layers.prefix(8)) {
            XCTAssertEqual(record.layer, expected["name"] as? String)
            let actual = try Tensor(npyFileAt: folder.appendingPathComponent("out").appendingPathComponent(record.path).path)
            let keras = try Fixtures.tensor("models/seed/" + (expected["output"] as! String))
            assertClose(actual, keras.reshaped(Array(keras.shape.dropFirst())), tolerance: 1e-4, record.layer ?? "")
        }
        let manifestData = try Data(contentsOf: folder.appendingPathComponent("out/manifest.json"))
        XCTAssertEqual(try JSONDecoder().decode(Manifest.self, from: manifestData), manifest)
        let staged = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)
        XCTAssertFalse(staged.contains { $0.hasPrefix(".vizrun-staging") }, "staging folder left behind")
    }

    func testRerunReplacesItsOwnOutputButRefusesForeignFolders() throws {
        let runs = "  - visualizer: activations\n    layers: [conv2d]"
        let config = try write(demoConfig(runs: runs))
        try Runner(registry: .builtins()).run(configAt: config)
        try Runner(registry: .builtins()).run(configAt: config)

        let foreign = folder.appendingPathComponent("theirs")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try "keep me".write(to: foreign.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let second = try write(demoConfig(runs: runs, output: "theirs"), to: "second.yaml")
        let error = runError(second)
        XCTAssertEqual(error?.location, foreign.path)
        XCTAssertTrue(error?.message.contains("--force") ?? false)
        try Runner(registry: .builtins()).run(configAt: second, force: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("notes.txt").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("manifest.json").path))
    }

    func testAFailedRunLeavesNoOutputFolder() throws {
        let broken = folder.appendingPathComponent("broken.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]).write(to: broken)
        let config = try write("""
        model: \(Self.demoModel)
        input:
          images: [broken.jpg]
        output:
          dir: out
        runs:
          - visualizer: activations
        """)
        let error = runError(config)
        XCTAssertEqual(error?.location?.hasPrefix(broken.path), true, "\(String(describing: error))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    func testOutputPathsStaySafe() {
        for name in ["../escape", "a/b", "c:d", "..", ".hidden", ""] {
            let safe = SafeName.component(name)
            XCTAssertFalse(safe.contains("/"), safe)
            XCTAssertFalse(safe.hasPrefix("."), safe)
            XCTAssertFalse(safe.isEmpty)
        }
    }
}
