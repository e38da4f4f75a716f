import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

/// The options of the attribution methods: their defaults, and each mistake a user can make,
/// located at its value.
final class AttributionOptionTests: XCTestCase {
    private func model() throws -> Model { try Fixtures.model("k2_sequential", loader: HDF5ModelLoader()) }

    /// The error's location and the start of its message.
    private func assertError(
        _ error: VizError?, at location: String, _ prefix: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(error?.location, location, file: file, line: line)
        XCTAssertTrue(error?.message.hasPrefix(prefix) ?? false, error?.message ?? "no error", file: file, line: line)
    }

    func testDefaults() throws {
        let model = try model()
        let score = try GradCAMOptions(runOptions("method: scorecam"), model: model)
        XCTAssertEqual(score.batch, 32, "perturbed copies per pass, pytorch-grad-cam's batch_size")
        XCTAssertEqual(try GradCAMOptions(runOptions("method: eigencam"), model: model).batch, 4)
        let ablation = try GradCAMOptions(runOptions("method: ablationcam"), model: model)
        XCTAssertEqual(ablation.ratioChannelsToAblate, 1)
        XCTAssertEqual(try GradCAMOptions(runOptions("method: guided_gradcam"), model: model).method, .guidedGradcam)

        let integrated = try SaliencyOptions(runOptions("method: integrated_gradients"), model: model)
        XCTAssertEqual(integrated.steps, 50)
        XCTAssertEqual(integrated.integration, .riemannTrapezoid)
        XCTAssertEqual(integrated.baseline, .zero)
        XCTAssertEqual(integrated.channels, .sum)
        XCTAssertEqual(integrated.batch, 32)
        let occlusion = try SaliencyOptions(runOptions("method: occlusion"), model: model)
        XCTAssertEqual([occlusion.patch, occlusion.stride], [16, 8])
        XCTAssertEqual(occlusion.occlusionValue, .zero)
        let rise = try SaliencyOptions(runOptions("method: rise"), model: model)
        XCTAssertEqual([rise.masks, rise.grid], [4000, 7])
        XCTAssertEqual(rise.keep, 0.5)
        XCTAssertEqual(try SaliencyOptions(runOptions("method: guided_backprop"), model: model).channels, .maxAbs)
    }

    func testCAMOptionErrors() throws {
        let model = try model()
        assertError(
            vizError { try GradCAMOptions(runOptions("{method: ablationcam, ratio_channels_to_ablate: 1.5}"), model: model) },
            at: "test.yaml:1:49", "ratio_channels_to_ablate must be above 0 and at most 1")
        assertError(
            vizError { try GradCAMOptions(runOptions("{method: scorecam, ratio_channels_to_ablate: 0.5}"), model: model) },
            at: "test.yaml:1:46", "ratio_channels_to_ablate only applies to `method: ablationcam`")
        assertError(
            vizError { try GradCAMOptions(runOptions("method: eigenkam"), model: model) }, at: "test.yaml:1:9",
            "unknown method 'eigenkam'")
    }

    func testSaliencyOptionErrors() throws {
        let model = try model() // input 32x32x3
        let cases: [(options: String, column: Int, message: String)] = [
            ("{method: integrated_gradients, steps: 0}", 39, "steps must be at least 2"),
            ("{method: occlusion, patch: 40}", 28, "patch 40 is larger than the model's 32x32 input"),
            ("{method: occlusion, patch: 4, stride: 5}", 39, "stride 5 is larger than the patch (4)"),
            ("{method: rise, keep: 0}", 22, "keep must be above 0 and at most 1"),
            ("{method: integrated_gradients, samples: 3}", 41, "samples only applies to `method: smoothgrad`"),
            ("{method: occlusion, channels: sum}", 31, "channels only applies to `method: vanilla` or `method: smoothgrad`"),
            (
                "{method: integrated_gradients, baseline: gray}", 42,
                "baseline 'gray' is none of zero, black, uniform, blurred or an .npy file"
            ),
            ("{method: integrated_gradients, integration: simpson}", 45, "unknown integration 'simpson'"),
        ]
        for (options, column, message) in cases {
            assertError(vizError { try SaliencyOptions(runOptions(options), model: model) }, at: "test.yaml:1:\(column)", message)
        }
    }

    /// `metrics:` as a list or a mapping with its defaults; a mapping without `names` is an error.
    func testMetricsOptions() throws {
        let model = try model()
        XCTAssertNil(try GradCAMOptions(runOptions("method: gradcam"), model: model).metrics)
        let listed = try XCTUnwrap(try GradCAMOptions(runOptions("metrics: [road, deletion, road]"), model: model).metrics)
        XCTAssertEqual(listed.metrics, [.road, .deletion], "in order, each once")
        XCTAssertEqual([listed.steps, listed.batch], [100, 32])
        XCTAssertEqual(listed.baseline, .zero)
        XCTAssertEqual(listed.seed, 0)
        let single = try XCTUnwrap(try SaliencyOptions(runOptions("metrics: insertion"), model: model).metrics)
        XCTAssertEqual(single.metrics, [.insertion])
        let mapped = try XCTUnwrap(
            try SaliencyOptions(
                runOptions("metrics: {names: [deletion], steps: 7, baseline: blurred, batch: 3, seed: 9}"), model: model
            ).metrics)
        XCTAssertEqual([mapped.steps, mapped.batch], [7, 3])
        XCTAssertEqual(mapped.baseline, .blurred)
        XCTAssertEqual(mapped.seed, 9)
        assertError(
            vizError { try SaliencyOptions(runOptions("metrics: {steps: 7}"), model: model) }, at: "test.yaml:1:10",
            "missing the key 'names'")
        assertError(
            vizError { try SaliencyOptions(runOptions("metrics: {names: [road], baseline: gray}"), model: model) },
            at: "test.yaml:1:36", "unknown baseline 'gray'")
    }

    func testBaselineFileOfAnotherShape() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-baseline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("small.npy").path
        try Tensor(zeros: [1, 8, 8, 3]).writeNpy(to: path)
        assertError(
            vizError { try SaliencyOptions(runOptions("{method: integrated_gradients, baseline: \(path)}"), model: try model()) },
            at: "test.yaml:1:42", "the baseline has shape (1, 8, 8, 3); the model's input is (None, 32, 32, 3)")
        let missing = vizError {
            try SaliencyOptions(runOptions("{method: integrated_gradients, baseline: \(path).missing.npy}"), model: try model())
        }
        XCTAssertEqual(missing?.location, "test.yaml:1:42")
    }
}
