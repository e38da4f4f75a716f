import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

final class RunnerTests: RunnerTestCase {
    /// The seed procedure end to end: JPEG decoding, nearest resize, /255, the first 8 layers, and the
    /// raw activations, their shapes and their statistics equal to Keras's for the same file and image.
    func testSeedRunMatchesKerasThroughTheWholePipeline() throws {
        let config = try write(
            demoConfig(
                runs: """
                      - visualizer: activations
                        name: acts
                        layers: {first: 8}
                        channels: [4, 7]
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: config).manifest()
        let reference =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/seed/reference.json")))) as! [String: Any]
        let kerasLayers = reference["layers"] as! [[String: Any]]
        let layers = kerasLayers.prefix(8)
        XCTAssertEqual(manifest.model.path, Self.demoModel)
        XCTAssertEqual(manifest.model.loader, "hdf5")
        XCTAssertEqual(manifest.model.layers, kerasLayers.count + 1, "Keras's model.layers and the input layer")
        XCTAssertEqual(manifest.model.inputShape, [150, 150, 3])
        XCTAssertEqual(manifest.inputs.map(\.id), ["chelsea"])
        XCTAssertEqual(manifest.inputs.map(\.path), [Self.demoImage])
        XCTAssertEqual(manifest.inputs.map(\.shape), [[150, 150, 3]])
        XCTAssertEqual(manifest.runs.map(\.name), ["acts"])
        let artifacts = try XCTUnwrap(manifest.runs.first?.artifacts)
        let arrays = artifacts.filter { $0.role == "activation" }
        XCTAssertEqual(arrays.map(\.layer), layers.map { $0["name"] as? String })
        XCTAssertEqual(artifacts.filter { $0.role == "grid" }.map(\.layer), layers.map { $0["name"] as? String })
        XCTAssertEqual(
            artifacts.filter { $0.role == "channel" }.map(\.channel), Array(repeating: [4, 7], count: 8).flatMap { $0 })
        for artifact in artifacts {
            var isFolder: ObjCBool = true
            let path = folder.appendingPathComponent("out").appendingPathComponent(artifact.path).path
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue, artifact.path)
        }

        for (record, expected) in zip(arrays, layers) {
            let keras = try Fixtures.tensor("models/seed/" + (expected["output"] as! String))
            let shape = Array(keras.shape.dropFirst())
            XCTAssertEqual(record.shape, shape, record.path)
            let actual = try Tensor(npyFileAt: folder.appendingPathComponent("out").appendingPathComponent(record.path).path)
            assertClose(actual, keras.reshaped(shape), tolerance: 1e-4, record.path)

            // The statistics the manifest lists, against Keras's activations measured here.
            let stats = try XCTUnwrap(record.stats, record.path)
            let scale = keras.maxAbs
            XCTAssertEqual(stats.layerClass, expected["class"] as? String)
            XCTAssertEqual(stats.outputShape, shape)
            XCTAssertEqual(stats.minimum, keras.scalars.min()!, accuracy: 1e-4 * scale, record.path)
            XCTAssertEqual(stats.maximum, keras.scalars.max()!, accuracy: 1e-4 * scale, record.path)
            let means = channelMeans(keras)
            let written = try XCTUnwrap(stats.channelMeans, record.path)
            XCTAssertEqual(written.count, means.count, record.path)
            for (channel, (actual, wanted)) in zip(written, means).enumerated() {
                XCTAssertEqual(Double(actual), wanted, accuracy: 1e-4 * Double(scale), "\(record.path) channel \(channel)")
            }
            let channels = shape.last!
            let alive = Set(keras.scalars.indices.filter { keras.scalars[$0] != 0 }.map { $0 % channels })
            XCTAssertEqual(stats.deadChannels, Double(channels - alive.count) / Double(channels), accuracy: 1e-12, record.path)
        }
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
        let config = try write(
            """
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
