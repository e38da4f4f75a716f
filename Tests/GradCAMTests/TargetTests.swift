import Foundation
import ONNXLoader
import VizCore
import VizImage
import VizTesting
import XCTest

@testable import GradCAM

/// Targets beyond a classifier's top class, against pytorch-grad-cam's targets and Captum on the same
/// seeded three-output PyTorch network (Tests/Fixtures/targets, Scripts/make_target_fixtures.py):
/// one output of a multi-output model, a regression unit, a segmentation class over a box and over
/// a PNG mask. Maps within 1e-3 of the anchor's largest value after the normalisation named.
final class TargetTests: XCTestCase {
    private struct Reference: Decodable {
        struct Entry: Decodable {
            var name: String
            var config: String
            var layer: String
            var score: Double
            var gradcam: String
            var scorecam: String
            var gradient: String
            var integrated_gradients: String
            var occlusion: String
        }
        struct Integrated: Decodable {
            var steps: Int
            var integration: String
        }
        struct OcclusionOptions: Decodable {
            var patch: Int
            var stride: Int
        }
        var targets: [Entry]
        var integrated_gradients: Integrated
        var occlusion: OcclusionOptions
    }

    private var reference: Reference!
    private var model: Model!
    private var input: RunInput!

    override func setUpWithError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("targets/reference.json")))
        reference = try JSONDecoder().decode(Reference.self, from: data)
        model = try ONNXModelLoader().load(ModelSpec(path: Fixtures.path("targets/model.onnx")))
        input = RunInput(id: "x", path: "input.npy", tensor: try array("input"), original: nil)
    }

    private func array(_ name: String) throws -> Tensor { try Fixtures.tensor("targets/\(name).npy") }

    /// A config's options, the mask named by its absolute path.
    private func options(_ config: String, _ extra: String) -> String {
        let options = config.replacingOccurrences(of: "region_mask.png", with: Fixtures.path("targets/region_mask.png"))
        return "{" + options.dropFirst().dropLast() + ", " + extra + "}"
    }

    /// The run's first array of `role`, without its batch axis.
    private func run(_ visualizer: Visualizer, _ options: String, role: String) throws -> Tensor {
        let sink = CollectingSink()
        try visualizer.configure(runOptions(options), model: model)
        try visualizer.run(RunContext(model: model, inputs: [input], runName: "run", sink: sink))
        let map = try XCTUnwrap(sink.arrays.first { $0.0.role == role }?.1, options)
        return map.reshaped(Array(map.shape.dropFirst()))
    }

    /// pytorch-grad-cam's raw map (get_cam_image) after the book's `relu`, `/ max`, as vizrun's heatmap.
    private func bookNormalised(_ raw: Tensor) -> Tensor {
        let rectified = raw.scalars.map { max($0, 0) }
        let largest = rectified.max() ?? 0
        return Tensor(shape: raw.shape, scalars: rectified.map { largest > 0 ? $0 / largest : 0 })
    }

    func testCAMsAgainstPytorchGradCAMTargets() throws {
        for entry in reference.targets {
            for (method, raw) in [("gradcam", entry.gradcam), ("scorecam", entry.scorecam)] {
                let options = options(entry.config, "layer: \(entry.layer), method: \(method), batch: 3")
                let heatmap = try run(GradCAMVisualizer(), options, role: "heatmap")
                assertClose(heatmap, bookNormalised(try array(raw)), tolerance: 1e-3, options)
            }
        }
    }

    func testInputGradientsAndScoresAgainstCaptum() throws {
        for entry in reference.targets {
            let options = options(entry.config, "channels: sum")
            // Captum's Saliency(abs=False) summed over channels, as `channels: sum` reduces.
            let gradient = try array(entry.gradient)
            let summed = SaliencyVisualizer.reduced(gradient, .sum)[0]
            assertClose(try run(SaliencyVisualizer(), options, role: "saliency"), summed, tolerance: 1e-3, options)

            let target = try ClassScore.reading(runOptions(options), model: model)
            let pass = try ScoreGradients(model: model, target: target, batch: input.tensor)
            let classes = try pass.classes(for: target.choices[0])
            XCTAssertEqual(Double(pass.scores(classes: classes)[0]), entry.score, accuracy: 1e-4 * max(1, abs(entry.score)))
        }
    }

    /// The perturbation and path methods reach every target as the gradients do: Captum's Integrated
    /// Gradients (summed over channels, as vizrun's map) and Occlusion on the same targets.
    func testIntegratedGradientsAndOcclusionAgainstCaptumTargets() throws {
        let (integrated, occlusion) = (reference.integrated_gradients, reference.occlusion)
        for entry in reference.targets {
            let ig = options(
                entry.config,
                "method: integrated_gradients, integration: \(integrated.integration), steps: \(integrated.steps), batch: 16")
            let captum = SaliencyVisualizer.reduced(try array(entry.integrated_gradients), .sum)[0]
            assertClose(try run(SaliencyVisualizer(), ig, role: "saliency"), captum, tolerance: 1e-3, ig)
            let occluded = options(entry.config, "method: occlusion, patch: \(occlusion.patch), stride: \(occlusion.stride)")
            assertClose(
                try run(SaliencyVisualizer(), occluded, role: "saliency"), try array(entry.occlusion), tolerance: 1e-3, occluded)
        }
    }

    /// A region target lists, per class, the class summed over the region, and `class: top` in it
    /// picks the largest sum.
    func testRegionPredictionsAndTop() throws {
        let target = try ClassScore.reading(
            runOptions("{output: segmentation, target: {class: top, region: [4, 6, 20, 14]}}"), model: model)
        let pass = try ScoreGradients(model: model, target: target, batch: input.tensor)
        let values = try model.graph.evaluate([input.tensor], targets: [target.outputNode])[target.outputNode]!
        for c in 0..<3 {
            var sum: Float = 0
            for y in 6..<14 { for x in 4..<20 { sum += values.scalars[(y * 32 + x) * 3 + c] } }
            XCTAssertEqual(pass.classScores[0][c], sum, accuracy: 1e-4 * max(1, abs(sum)))
        }
        let best = pass.classScores[0].indices.max { pass.classScores[0][$0] < pass.classScores[0][$1] }!
        XCTAssertEqual(try pass.classes(for: .top), [best])
    }

    func testOutputChoiceByNameAndIndex() throws {
        let byName = try ClassScore.reading(runOptions("output: regression"), model: model)
        let byIndex = try ClassScore.reading(runOptions("output: 1"), model: model)
        XCTAssertEqual(byName.outputNode, byIndex.outputNode)
        XCTAssertEqual(byName.classCount, 2)
        XCTAssertEqual(byName.target, .unit)
        XCTAssertNotEqual(
            try ClassScore.reading(runOptions("{output: 0, score: logit}"), model: model).scoreNode, byName.outputNode)
    }

    // MARK: - Mistakes, each at its value

    private func assertError(
        _ options: String, at location: String, _ prefix: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        let error = vizErrors({ try GradCAMOptions(runOptions(options), model: model) }, file: file, line: line).first
        XCTAssertEqual(error?.location, location, options, file: file, line: line)
        XCTAssertTrue(error?.message.hasPrefix(prefix) ?? false, error?.message ?? "no error", file: file, line: line)
    }

    func testTargetErrors() throws {
        let mask = Fixtures.path("targets/region_mask.png")
        let small = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-small-mask-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: small) }
        let smallMask = Bitmap(width: 16, height: 20, channels: 1, pixels: [UInt8](repeating: 255, count: 320))
        try Data(try smallMask.pngData()).write(to: small)

        assertError("output: 3", at: "test.yaml:1:9", "output 3 is out of range: the model has 3 outputs (0…2)")
        assertError("output: probz", at: "test.yaml:1:9", "unknown output 'probz'")
        assertError(
            "{output: 1, target: {output: 2}}", at: "test.yaml:1:30",
            "output unit 2 is out of range: the output '/fc_reg/Gemm' has 2 units (0…1)")
        assertError(
            "{output: segmentation, target: {output: 0}}", at: "test.yaml:1:32",
            "the model's output '/seg_out/Conv' has shape (None, 32, 32, 3); an output unit needs a (batch, units) output")
        assertError(
            "{output: probs, target: {class: 1, region: [0, 0, 4, 4]}}", at: "test.yaml:1:25",
            "the output '/Softmax' has shape (None, 5); a region target needs a dense")
        assertError(
            "output: segmentation", at: "test.yaml:1:9",
            "the model's output '/seg_out/Conv' has shape (None, 32, 32, 3); class scores need a (batch, classes) output")
        assertError(
            "{output: segmentation, target: {class: 1, region: [4, 6, 40, 14]}}", at: "test.yaml:1:51",
            "the region box [.., .., 40, 14] reaches outside the 32x32 input")
        assertError(
            "{output: segmentation, target: {class: 1, region: [4, 6, 4, 14]}}", at: "test.yaml:1:51",
            "the region box [4, 6, 4, 14] is empty")
        assertError(
            "{output: segmentation, target: {class: 1, region: [4, 6, 14]}}", at: "test.yaml:1:51",
            "a region box is [x0, y0, x1, y1] in input pixels; found 3 numbers")
        assertError(
            "{output: segmentation, target: {class: 1, region: \(small.path)}}", at: "test.yaml:1:51",
            "the region mask is 20x16; the input is 32x32")
        assertError(
            "{output: segmentation, target: {class: 3, region: \(mask)}}", at: "test.yaml:1:40",
            "class 3 is out of range: the model has 3 classes (0…2)")
        assertError(
            "{output: segmentation, target: {region: \(mask)}}", at: "test.yaml:1:32",
            "target is {output: i} (a unit of the output) or {class: c, region: …}")
        assertError(
            "{output: 0, class: 2, target: {output: 1}}", at: "test.yaml:1:20", "give either class or target, not both")
    }

    /// An input whose size the region does not fit (a model of any input size) stops at the clean pass.
    func testRegionOfAnotherSizeIsAnErrorAtRunTime() throws {
        let target = try ClassScore(
            model: model, output: model.layer(named: "segmentation"), target: .region(.box(x0: 0, y0: 0, x1: 30, y1: 30)))
        let error = vizError { try target.classScores(Tensor(zeros: [1, 16, 16, 3])) }
        XCTAssertEqual(error?.message, "the region box [.., .., 30, 30] reaches outside the 16x16 input")
    }

    /// Through the command: a segmentation target over a mask writes its maps under the class, and
    /// an output past the model's stops the run with status 1 before anything is written.
    func testCommandRunsTargetsAndStopsAtErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-targets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func config(_ run: String) throws -> String {
            let text = """
                model: \(Fixtures.path("targets/model.onnx"))
                input:
                  images: [\(Fixtures.path("targets/input.npy"))]
                output:
                  dir: out
                runs:
                  - \(run)
                """
            let path = folder.appendingPathComponent("config.yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let mask = Fixtures.path("targets/region_mask.png")
        let good = try config(
            "{visualizer: gradcam, layer: relu1, output: segmentation, target: {class: 1, region: \(mask)}}")
        let result = try VizrunCommand.run([good, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let heatmap = folder.appendingPathComponent("out/gradcam/input/class_1/heatmap.npy").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: heatmap), heatmap)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out"))

        /// The refusal's first line: `message` at line 7, at the column of `value` in the run.
        func assertRefused(_ run: String, at value: String, _ message: String, line: UInt = #line) throws {
            let path = try config(run)
            let result = try VizrunCommand.run([path])
            XCTAssertEqual(result.status, 1, line: line)
            let column = try XCTUnwrap(run.range(of: value, options: .backwards)).lowerBound.utf16Offset(in: run) + 5
            XCTAssertEqual(
                result.stderr.split(separator: "\n").first.map(String.init), "vizrun: \(path):7:\(column): error: \(message)",
                line: line)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written", line: line)
        }
        try assertRefused(
            "{visualizer: saliency, output: 3}", at: "3",
            "output 3 is out of range: the model has 3 outputs (0…2) (at runs[0].output)")
        let small = folder.appendingPathComponent("small_mask.png")
        try Bitmap(width: 16, height: 20, channels: 1, pixels: [UInt8](repeating: 255, count: 320)).pngData().write(to: small)
        try assertRefused(
            "{visualizer: gradcam, layer: relu1, output: segmentation, target: {class: 1, region: \(small.path)}}",
            at: small.path, "the region mask is 20x16; the input is 32x32 (at runs[0].target.region)")
    }
}
