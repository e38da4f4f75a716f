import Foundation
import VizCore
import VizTesting
import XCTest

/// ONNX models through the `vizrun` command, as a user runs them: a Grad-CAM run at a PyTorch module
/// path, `inspect`, and a bad file's one-line error with exit status 1.
final class CommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-onnx-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private static let repository = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    private func config(model: String, runs: String) throws -> String {
        let text = """
            model: \(model)
            input:
              images: [\(Self.repository.appendingPathComponent("Configs/images/chelsea.jpg").path)]
              size: [32, 32]
              preset: torch
            output:
              dir: out
            runs:
            \(runs)
            """
        let path = folder.appendingPathComponent("config.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private struct Manifest: Decodable {
        struct Run: Decodable { var artifacts: [Artifact] }
        struct Artifact: Decodable {
            var role: String
            var layer: String?
            var shape: [Int]?
            var path: String
        }
        var model: [String: AnyCodable]
        var runs: [Run]
    }

    private struct AnyCodable: Decodable {
        init(from decoder: Decoder) throws {}
    }

    func testGradCAMAtAModulePath() throws {
        for fixture in ["resnet18_ts", "resnet18_dynamo"] {
            let model = Fixtures.path("onnx/\(fixture)/model.onnx")
            let path = try config(
                model: model,
                runs: """
                      - visualizer: gradcam
                        layer: layer4
                      - visualizer: activations
                        layers: [layer1, /conv1/Conv, relu]
                    """.replacingOccurrences(of: "/conv1/Conv, ", with: fixture.hasSuffix("ts") ? "/conv1/Conv, " : "getitem, "))
            let result = try VizrunCommand.run([path, "--quiet", "--force"])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")
            let output = folder.appendingPathComponent("out")
            let manifest = try JSONDecoder().decode(
                Manifest.self, from: Data(contentsOf: output.appendingPathComponent("manifest.json")))
            let heatmaps = manifest.runs[0].artifacts.filter { $0.role == "heatmap" && $0.path.hasSuffix(".npy") }
            XCTAssertEqual(heatmaps.map(\.layer), ["layer4"], fixture)
            XCTAssertEqual(heatmaps.first?.shape, [1, 1], fixture)
            let activations = manifest.runs[1].artifacts.filter { $0.role == "activation" }
            XCTAssertEqual(Set(activations.compactMap(\.layer)).count, 3, fixture)
            XCTAssertEqual(activations.first { $0.layer == "layer1" }?.shape, [8, 8, 4], fixture)
            for artifact in manifest.runs.flatMap(\.artifacts) {
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: output.appendingPathComponent(artifact.path).path), artifact.path)
            }
        }
    }

    func testInspectShowsModulePaths() throws {
        let result = try VizrunCommand.run(["inspect", Fixtures.path("onnx/resnet18_ts/model.onnx")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("/layer4/layer4.1/relu_1/Relu ") }
        XCTAssertTrue(line?.contains("layer4, layer4.1, layer4.1.relu") ?? false, result.stdout)
        XCTAssertTrue(result.stdout.contains("Also named"))
    }

    func testABadFileIsOneLineAndExitStatusOne() throws {
        let model = folder.appendingPathComponent("broken.onnx").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("onnx/mix_ts/model.onnx")))
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: model))
        let result = try VizrunCommand.run([try config(model: model, runs: "  - visualizer: gradcam"), "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(model): error: is not an ONNX model: its protobuf is truncated (the file ends inside a field)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/manifest.json").path))
    }
}
