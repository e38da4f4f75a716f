import Foundation
import VizCore
import VizTesting
import XCTest

/// The `metrics` visualizer scores an earlier run's maps (`maps: {from: RUN}`) through the command.
/// Its numbers are the ones a run's own `metrics:` option gives (whose formulas the golden tests
/// check against Xplique and pytorch-grad-cam): this checks that every input of a batch gets its
/// own maps, each with its class, a heatmap scored at the input's size as the run's own are
/// (ROAD, the slow one, goes the same way).
final class MetricsRunTests: DemoCommandTestCase {
    /// Per run, `path → measures` of every artifact that carries scores.
    private func scoredArtifacts() throws -> [String: [String: [String: Double]]] {
        let manifest = folder.appendingPathComponent("out/manifest.json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])
        var found: [String: [String: [String: Double]]] = [:]
        for run in try XCTUnwrap(json["runs"] as? [[String: Any]]) {
            for artifact in try XCTUnwrap(run["artifacts"] as? [[String: Any]]) where artifact["kind"] as? String == "array" {
                guard let measures = artifact["measures"] as? [String: Double] else { continue }
                found[run["name"] as! String, default: [:]][artifact["path"] as! String] = measures
            }
        }
        return found
    }

    func testScoresEachInputsMapsOfAnEarlierRunAsThatRunsOwnMetricsDo() throws {
        let metrics = "metrics: {names: [deletion, insertion], steps: 8}"
        let path = try config(
            runs: """
                  - {visualizer: gradcam, name: cam, class: [0, 2], \(metrics)}
                  - {visualizer: saliency, name: grads, \(metrics)}
                  - {visualizer: metrics, name: cam_scores, maps: {from: cam}, \(metrics)}
                  - {visualizer: metrics, name: grads_scores, maps: {from: grads}, \(metrics)}
                """, images: ["chelsea.jpg", "coffee.png"], batchSize: 2)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let scored = try scoredArtifacts()
        let expected: [(run: String, own: String, scores: String)] = [
            ("cam", "cam/chelsea/class_0/heatmap.npy", "cam_scores/chelsea/class_0/cam_heatmap.npy"),
            ("cam", "cam/chelsea/class_2/heatmap.npy", "cam_scores/chelsea/class_2/cam_heatmap.npy"),
            ("cam", "cam/coffee/class_0/heatmap.npy", "cam_scores/coffee/class_0/cam_heatmap.npy"),
            ("cam", "cam/coffee/class_2/heatmap.npy", "cam_scores/coffee/class_2/cam_heatmap.npy"),
        ]
        XCTAssertEqual(scored["cam_scores"]?.count, 4)
        for (run, own, scores) in expected {
            let measures = try XCTUnwrap(scored[run]?[own], own)
            XCTAssertEqual(Set(measures.keys), ["deletion_auc", "insertion_auc"])
            XCTAssertEqual(scored["cam_scores"]?[scores], measures, scores)
        }
        // The two photos' maps differ, so a map handed to the wrong input would show.
        XCTAssertNotEqual(scored["cam"]?["cam/chelsea/class_0/heatmap.npy"], scored["cam"]?["cam/coffee/class_0/heatmap.npy"])
        let grads = try XCTUnwrap(scored["grads"])
        XCTAssertEqual(grads.count, 2)
        for (own, measures) in grads {
            // grads/<input>/class_<c>/saliency.npy → grads_scores/<input>/class_<c>/grads_saliency.npy
            let parts = own.split(separator: "/")
            XCTAssertEqual(scored["grads_scores"]?["grads_scores/\(parts[1])/\(parts[2])/grads_saliency.npy"], measures, own)
        }
        // The heatmap is scored at the input's size, as written beside its scores.
        let map = try Tensor(npyFileAt: folder.appendingPathComponent("out/cam_scores/chelsea/class_0/cam_heatmap.npy").path)
        XCTAssertEqual(map.shape, [150, 150])
        let report = try String(contentsOf: folder.appendingPathComponent("out/report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("<tr><td>cam_scores</td><td>metrics</td><td>scored map</td><td>0 "), "the report's row")
    }

    /// A metrics run without maps to score, or without metrics: one line at the key, status 1, nothing written.
    func testAMetricsRunNeedsAnEarlierRunsMapsAndMetrics() throws {
        let cases: [(runs: String, line: Int, at: String, message: String)] = [
            (
                "  - {visualizer: activations, name: acts, layers: [conv2d_1]}\n"
                    + "  - {visualizer: metrics, maps: {from: acts}, metrics: [deletion]}", 12, "acts}",
                "run 'acts' (activations) makes no maps to score (gradcam and saliency runs do) (at runs[1].maps.from)"
            ),
            (
                "  - {visualizer: metrics, metrics: [deletion]}", 11, "{visualizer",
                "missing the key 'maps' (at runs[0])"
            ),
            (
                "  - {visualizer: gradcam, name: cam}\n  - {visualizer: metrics, maps: {from: cam}}", 12, "{visualizer",
                "missing the key 'metrics' (deletion, insertion, road) (at runs[1])"
            ),
        ]
        for (runs, line, at, message) in cases { try assertRefused(runs: runs, line: line, at: at, message) }
    }
}
