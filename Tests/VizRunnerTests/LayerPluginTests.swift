import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// A custom Keras layer supplied by a plugin: the example's ChannelSwish library
/// (Docs/Examples/ChannelStats, built by `make test`) runs the models that
/// Scripts/make_custom_layer_fixtures.py saved with Keras, through the vizrun command, and gives
/// Keras's output and input gradient.
final class LayerPluginTests: RunnerTestCase {
    private static let fixtures = "custom_layer"

    private func layerPlugin() throws -> String {
        try PluginLoadingTests.exampleLibrary("ChannelSwish")
    }

    func testPluginsListsTheLayerTypeWithItsOrigin() throws {
        let library = try layerPlugin()
        let result = try vizrun(["plugins", "--plugin", library])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let heading = try XCTUnwrap(lines.firstIndex(of: "Layer types (Keras classes from plugins):"), result.stdout)
        let line = lines.dropFirst(heading + 1).first ?? ""
        XCTAssertTrue(line.hasPrefix("  ChannelSwish "), result.stdout)
        XCTAssertTrue(line.hasSuffix("[\(library)]"), result.stdout)
    }

    func testWithoutPluginsThereIsNoLayerTypeSection() throws {
        let result = try vizrun(["plugins"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("Layer types"), result.stdout)
    }

    /// The Keras 3 `.h5` writes the class as `vizrun_examples>ChannelSwish`, the `.keras` archive as
    /// `ChannelSwish`: the one layer type runs both, and the same model as a raw architecture file.
    func testTheCustomLayerModelGivesKerasOutputAndInputGradient() throws {
        let library = try layerPlugin()
        for model in ["model.h5", "model.keras", "model.yaml"] {
            let config = try write(
                """
                plugins: [\(library)]
                model: \(Fixtures.path("\(Self.fixtures)/\(model)"))
                input:
                  images: [\(Fixtures.path("\(Self.fixtures)/input.npy"))]
                output:
                  dir: out-\(model)
                runs:
                  - visualizer: activations
                    layers: [swish_1, predictions]
                  - visualizer: saliency
                    class: 2
                    score: probability
                """, to: "\(model).yaml")
            let result = try vizrun([config, "--quiet"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let arrays = try artifactArrays(in: folder.appendingPathComponent("out-\(model)"))
            assertClose(
                try XCTUnwrap(arrays["activations/swish_1"]),
                try Fixtures.tensor("\(Self.fixtures)/swish_1.npy").reshaped([10, 10, 8]), tolerance: 1e-5, model)
            assertClose(
                try XCTUnwrap(arrays["activations/predictions"]),
                try Fixtures.tensor("\(Self.fixtures)/output.npy").reshaped([4]), tolerance: 1e-5, model)
            // Saliency is max over channels of |dScore/dInput|; Keras's gradient is stored whole.
            let gradient = try Fixtures.tensor("\(Self.fixtures)/grad_input.npy")
            let saliency = Tensor(
                shape: [12, 12],
                scalars: (0..<144).map { pixel in
                    (0..<3).map { abs(gradient.scalars[pixel * 3 + $0]) }.max()!
                })
            assertClose(try XCTUnwrap(arrays["saliency/saliency"]), saliency, tolerance: 1e-5, model)
        }
    }

    func testInspectCountsTheCustomLayersWeights() throws {
        let result = try vizrun(["inspect", Fixtures.path("\(Self.fixtures)/model.h5"), "--plugin", try layerPlugin()])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        // One slope per channel, then one for all (`per_channel=False`).
        XCTAssertTrue(lines.contains { $0.hasPrefix("swish_1 ") && $0.contains("(None, 10, 10, 8)  8 ") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("swish_2 ") && $0.contains("(None, 5, 5, 6)    1 ") }, result.stdout)
    }

    // MARK: - Errors

    func testTheCustomClassWithoutThePluginIsOneLineNamingLayerAndClass() throws {
        let model = Fixtures.path("\(Self.fixtures)/model.h5")
        let result = try vizrun(["inspect", model])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(model): error: layer 'swish_1' has class 'vizrun_examples>ChannelSwish', "
                + "which vizrun cannot run; a layer plugin can add it (see Docs/plugins.md)\n")
    }

    func testTheCustomTypeInARawArchitectureWithoutThePluginIsOneLine() throws {
        let architecture = Fixtures.path("\(Self.fixtures)/model.yaml")
        let result = try vizrun(["inspect", architecture])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(architecture):7:5: error: layer 'swish_1' has type 'ChannelSwish', which is "
                + "not a Keras layer vizrun runs; a layer plugin can add it (see Docs/plugins.md)\n")
    }

    /// The op sees vizrun's channels-last values, which a channels_first model's layer does not expect.
    func testAPluginLayerOnChannelsFirstDataIsRefusedInOneLine() throws {
        let model = Fixtures.path("\(Self.fixtures)/channels_first.h5")
        let result = try vizrun(["inspect", model, "--plugin", try layerPlugin()])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(model): error: layer 'swish' (vizrun_examples>ChannelSwish, from a plugin) "
                + "reads the channels_first data of 'conv'; vizrun runs plugin layers on channels_last data only\n")
    }

    func testTwoCopiesOfTheLayerPluginClashNamingBothLibraries() throws {
        let library = try layerPlugin()
        let copy = folder.appendingPathComponent("libChannelSwishCopy.so").path
        try FileManager.default.copyItem(atPath: library, toPath: copy)
        let result = try vizrun(["plugins", "--plugin", library, "--plugin", copy])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: error: two layer types run the Keras class 'ChannelSwish': from \(library) "
                + "and from \(copy)\n")
    }

    // MARK: - Helpers

    /// The `.npy` artifacts of an output folder by `<run>/<layer>`, or `<run>/<role>` for those of no
    /// layer, from its manifest.
    private func artifactArrays(in output: URL) throws -> [String: Tensor] {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("manifest.json")))
        let runs = try XCTUnwrap((manifest as? [String: Any])?["runs"] as? [[String: Any]])
        var arrays: [String: Tensor] = [:]
        for run in runs {
            let name = try XCTUnwrap(run["name"] as? String)
            for artifact in run["artifacts"] as? [[String: Any]] ?? [] {
                guard let path = artifact["path"] as? String, path.hasSuffix(".npy"),
                    let part = artifact["layer"] as? String ?? artifact["role"] as? String
                else { continue }
                arrays["\(name)/\(part)"] = try Tensor(npyFileAt: output.appendingPathComponent(path).path)
            }
        }
        return arrays
    }
}
