import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

/// A whole run of the demo model through the `vizrun` command (its `Runner(registry: .builtins())`):
/// the GradCAM test target does not depend on VizRunner, so it runs the built executable, which
/// `swift build --build-tests` puts beside the test bundle.
final class EndToEndTests: DemoCommandTestCase {

    private struct Manifest: Decodable {
        struct Run: Decodable {
            var name: String
            var visualizer: String
            var artifacts: [Artifact]
            var predictions: [Predictions]?
        }
        struct Artifact: Decodable {
            var kind: String
            var role: String
            var input: String?
            var layer: String?
            var `class`: Int?
            var shape: [Int]?
            var path: String
            var measures: [String: Double]?
        }
        struct Predictions: Decodable {
            var input: String
            var top: [Prediction]
        }
        var runs: [Run]
    }

    func testDemoRunWritesHeatmapsOverlaysAndPredictions() throws {
        let path = try config(
            runs: """
                  - visualizer: gradcam
                    name: cam
                    class: [top, coffee]
                """)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = folder.appendingPathComponent("out")
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.runs.map(\.visualizer), ["gradcam"])

        let cam = manifest.runs[0]
        let predictions = try XCTUnwrap(cam.predictions?.first)
        XCTAssertEqual(predictions.input, "chelsea")
        XCTAssertEqual(predictions.top.count, 5)
        XCTAssertEqual(predictions.top[0].classIndex, 2)
        XCTAssertEqual(predictions.top[0].label, "chelsea")
        XCTAssertGreaterThan(predictions.top[0].score, 0.98)
        XCTAssertEqual(predictions.top.map(\.score), predictions.top.map(\.score).sorted(by: >))
        XCTAssertTrue(predictions.top.allSatisfy { $0.label != nil })

        // Per class: heatmap array (layer resolution, [0, 1]), heatmap image, overlay.
        XCTAssertEqual(
            cam.artifacts.map { "\($0.kind) \($0.role) \($0.class ?? -1)" },
            ["array heatmap 2", "image heatmap 2", "image overlay 2", "array heatmap 3", "image heatmap 3", "image overlay 3"])
        for artifact in cam.artifacts {
            XCTAssertEqual(artifact.layer, "max_pooling2d_3", "the last 4-D layer before the prediction")
            XCTAssertEqual(artifact.input, "chelsea")
            let file = out.appendingPathComponent(artifact.path).path
            if artifact.kind == "array" {
                XCTAssertEqual(artifact.shape, [7, 7])
                let heatmap = try Tensor(npyFileAt: file)
                XCTAssertTrue(heatmap.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
                XCTAssertEqual(heatmap.scalars.max(), 1)
            } else {
                let image = try Bitmap(contentsOfFile: file)
                XCTAssertEqual([image.width, image.height], [451, 300], "\(artifact.role) at the original image's size")
            }
        }
        XCTAssertEqual(cam.artifacts[2].path, "cam/chelsea/class_2/overlay.png")

        // The overlay is the book's composition of the written heatmap and the decoded photo.
        let heatmap = try Tensor(npyFileAt: out.appendingPathComponent(cam.artifacts[0].path).path)
        let photo = try Bitmap(contentsOfFile: Self.repository.appendingPathComponent("Configs/images/chelsea.jpg").path)
        let heat = Colormap.named("jet")!.apply(toUnitMap: heatmap.resizedBilinear(height: 300, width: 451))
        XCTAssertEqual(try Bitmap(contentsOfFile: out.appendingPathComponent(cam.artifacts[1].path).path), heat)
        XCTAssertEqual(
            try Bitmap(contentsOfFile: out.appendingPathComponent(cam.artifacts[2].path).path),
            photo.overlaid(with: heat, alpha: 0.4))
    }

    /// The newer methods through the command, over two inputs: the roles the older ones use,
    /// Integrated Gradients' completeness in the manifest, guided Grad-CAM's input-resolution map
    /// beside its heatmap, and the new CAMs' overlays on Grad-CAM's contact sheet in the report.
    func testAttributionMethodsKeepTheirRoles() throws {
        let path = try config(
            runs: """
                  - {visualizer: gradcam, name: score, method: scorecam, batch: 16}
                  - {visualizer: gradcam, name: ablation, method: ablationcam, ratio_channels_to_ablate: 0.25}
                  - {visualizer: gradcam, name: eigen, method: eigencam}
                  - {visualizer: gradcam, name: eigengrad, method: eigengradcam}
                  - {visualizer: gradcam, name: guided, method: guided_gradcam}
                  - {visualizer: saliency, name: ig, method: integrated_gradients, steps: 8}
                  - {visualizer: saliency, name: occlusion, method: occlusion, patch: 50, stride: 50}
                  - {visualizer: saliency, name: rise, method: rise, masks: 16, grid: 4}
                  - {visualizer: saliency, name: guided_backprop, method: guided_backprop}
                """, images: ["chelsea.jpg", "coffee.png"])
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = folder.appendingPathComponent("out")
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json")))
        let roles = Dictionary(
            uniqueKeysWithValues: manifest.runs.map { ($0.name, $0.artifacts.map { "\($0.kind) \($0.role)" }) })
        let camRoles = ["array heatmap", "image heatmap", "image overlay"]
        for name in ["score", "ablation", "eigen", "eigengrad"] {
            XCTAssertEqual(roles[name], camRoles + camRoles + ["image contact_sheet"], name)
        }
        let guidedRoles = camRoles + ["array saliency", "image saliency"]
        XCTAssertEqual(roles["guided"], guidedRoles + guidedRoles + ["image contact_sheet"])
        for name in ["ig", "occlusion", "rise", "guided_backprop"] {
            XCTAssertEqual(roles[name], Array(repeating: ["array saliency", "image saliency"], count: 2).flatMap { $0 }, name)
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for run in manifest.runs {
            for sheet in run.artifacts where sheet.role == "contact_sheet" {
                let picture = try Bitmap(contentsOfFile: out.appendingPathComponent(sheet.path).path)
                XCTAssertEqual([picture.width, picture.height], [2 * 96 + 4, 96], "\(run.name): a tile per input")
                XCTAssertTrue(report.contains("src=\"\(sheet.path)\""), run.name)
            }
        }
        for run in manifest.runs {
            for artifact in run.artifacts where artifact.kind == "array" {
                let map = try Tensor(npyFileAt: out.appendingPathComponent(artifact.path).path)
                XCTAssertTrue(map.scalars.allSatisfy(\.isFinite) && map.maxAbs > 0, "\(run.name): a finite, non-blank map")
                XCTAssertEqual(artifact.shape, artifact.role == "heatmap" ? [7, 7] : [150, 150], run.name)
            }
        }
        let integrated = try XCTUnwrap(manifest.runs.first { $0.name == "ig" }?.artifacts.first)
        let measures = try XCTUnwrap(integrated.measures)
        XCTAssertEqual(Set(measures.keys), ["completeness_error", "score_difference"])
    }

    /// A bad value of a new option stops the run before anything is written.
    func testAttributionOptionErrorsStopTheRun() throws {
        try assertRefused(
            runs: """
                  - visualizer: saliency
                    method: integrated_gradients
                    steps: 0
                """, line: 13, at: "0", "steps must be at least 2 (at runs[0].steps)")
        try assertRefused(
            runs: """
                  - visualizer: saliency
                    method: occlusion
                    patch: 200
                """, line: 13, at: "200", "patch 200 is larger than the model's 150x150 input (at runs[0].patch)")
    }

    /// An output that holds an index (a segmentation export's ArgMax) is no class score and has no
    /// gradient: the run stops at `output`, status 1, nothing written.
    func testAnOutputOfIndicesIsRefused() throws {
        let run = "  - {visualizer: saliency, output: classes}"
        let path = folder.appendingPathComponent("config.yaml").path
        try """
        model: \(Fixtures.path("onnx/handwritten/model.onnx"))
        input:
          images: [\(Fixtures.path("onnx/handwritten/input.npy"))]
        output:
          dir: out
        runs:
        \(run)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try VizrunCommand.run([path])
        XCTAssertEqual(result.status, 1)
        let column = try XCTUnwrap(run.range(of: "classes")).lowerBound.utf16Offset(in: run) + 1
        XCTAssertEqual(
            result.stderr.split(separator: "\n").first.map(String.init),
            "vizrun: \(path):7:\(column): error: the output 'argmax_channels' holds the indices of ArgMax 'argmax_channels', "
                + "not scores, and has no gradient (pick another output with `output:`, or export the model without it) "
                + "(at runs[0].output)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
    }

    /// On a model that takes any size, an input smaller than the occlusion patch is found when the
    /// run reaches it: the refusal names the input's file, status 1, nothing written.
    func testAnOcclusionPatchLargerThanAnInputStopsTheRunAtThatInput() throws {
        let image = folder.appendingPathComponent("small.png").path
        try Bitmap(width: 8, height: 8, channels: 3, pixels: [UInt8](repeating: 90, count: 192)).writePNG(toFile: image)
        let path = folder.appendingPathComponent("config.yaml").path
        try """
        model: \(Fixtures.path("deepdream/model.h5"))
        input:
          images: [\(image)]
        output:
          dir: out
        runs:
          - {visualizer: saliency, method: occlusion, target: {class: 0, region: [0, 0, 2, 2]}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr.split(separator: "\n").first.map(String.init),
            "vizrun: \(image): error: the occlusion patch (16) is larger than the 8x8 input")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
    }

    /// `metrics:` through the command: each map's records carry its scores, each curve is written
    /// beside it (its area the map's), and the report tabulates the runs' maps for the input.
    func testFaithfulnessMetricsInTheManifestAndReport() throws {
        let path = try config(
            runs: """
                  - {visualizer: gradcam, name: cam, metrics: {names: [deletion, insertion, road], steps: 10}}
                  - {visualizer: saliency, name: ig, method: integrated_gradients, steps: 8, metrics: {names: [deletion], steps: 4, baseline: blurred}}
                """)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = folder.appendingPathComponent("out")
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json")))
        let cam = try XCTUnwrap(manifest.runs.first { $0.name == "cam" })
        XCTAssertEqual(
            cam.artifacts.map { "\($0.kind) \($0.role)" },
            ["array heatmap", "image heatmap", "image overlay"]
                + Array(repeating: ["array faithfulness_curve", "image faithfulness_curve"], count: 2).flatMap { $0 })
        let heatmap = try XCTUnwrap(cam.artifacts[0].measures)
        XCTAssertEqual(Set(heatmap.keys), ["deletion_auc", "insertion_auc", "road"])
        XCTAssertEqual(cam.artifacts[1].measures, heatmap, "the picture's record carries them too")
        for (name, key) in [("heatmap_deletion", "deletion_auc"), ("heatmap_insertion", "insertion_auc")] {
            let curve = try XCTUnwrap(cam.artifacts.first { $0.path.hasSuffix("\(name).npy") }, name)
            XCTAssertEqual(curve.shape, [11])
            let scores = try Tensor(npyFileAt: out.appendingPathComponent(curve.path).path).scalars
            let area = zip(scores.dropLast(), scores.dropFirst()).reduce(0.0) { $0 + Double($1.0 + $1.1) } / 20
            XCTAssertEqual(try XCTUnwrap(heatmap[key]), area, accuracy: 1e-6, name)
            let plot = try Bitmap(
                contentsOfFile: out.appendingPathComponent(curve.path.replacingOccurrences(of: ".npy", with: ".png")).path)
            XCTAssertEqual([plot.width, plot.height], [160, 100])
        }
        let ig = try XCTUnwrap(manifest.runs.first { $0.name == "ig" }?.artifacts.first?.measures)
        XCTAssertEqual(Set(ig.keys), ["completeness_error", "score_difference", "deletion_auc"])
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("<caption>Faithfulness of each map</caption>"))
        let row =
            "<tr><td>cam</td><td>gradcam</td><td>heatmap</td><td>2 (chelsea)</td><td>\(String(format: "%.4f", heatmap["deletion_auc"]!))</td>"
        XCTAssertTrue(report.contains(row), "the cam run's row")
        XCTAssertTrue(
            report.contains("<tr><td>ig</td><td>saliency integrated_gradients</td><td>saliency map</td>"), "the ig run's row")
    }

    /// Each bad `metrics:` value and a baseline of another shape: one line at its key, status 1,
    /// nothing written.
    func testMetricErrorsStopTheRun() throws {
        let small = folder.appendingPathComponent("small.npy").path
        try Tensor(zeros: [1, 8, 8, 3]).writeNpy(to: small)
        // Each error stands at its value (`at`), on the run's line, 11.
        let cases: [(run: String, at: String, message: String)] = [
            (
                "  - {visualizer: gradcam, metrics: [deletion, deleton]}", "deleton]",
                "unknown metric 'deleton' (known: deletion, insertion, road); did you mean 'deletion'? (at runs[0].metrics[1])"
            ),
            (
                "  - {visualizer: saliency, metrics: {names: [road], steps: 0}}", "0}",
                "steps must be at least 1 (at runs[0].metrics.steps)"
            ),
            (
                "  - {visualizer: saliency, method: integrated_gradients, baseline: \(small)}", small,
                "the baseline has shape (1, 8, 8, 3); the model's input is (None, 150, 150, 3) (at runs[0].baseline)"
            ),
        ]
        for (run, at, message) in cases { try assertRefused(runs: run, line: 11, at: at, message) }
    }

    func testConfigErrorsAreLocated() throws {
        let path = try config(
            runs: """
                  - visualizer: gradcam
                    class: chelsee
                """)
        let result = try VizrunCommand.run([path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path):12:12: error: unknown class label 'chelsee'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("did you mean 'chelsea'?"), result.stderr)
    }
}
