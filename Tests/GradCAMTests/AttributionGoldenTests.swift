import Foundation
import ONNXLoader
import VizCore
import VizImage
import VizTesting
import XCTest

@testable import GradCAM

/// Against pytorch-grad-cam, Captum and the RISE paper's formula on the same seeded PyTorch CNN
/// (Tests/Fixtures/attribution, written by Scripts/make_attribution_fixtures.py), run through the
/// visualizers as a config would. Each map is compared within 1e-3 of the anchor's largest value,
/// after the normalisation named at the comparison.
final class AttributionGoldenTests: XCTestCase {
    private struct Reference: Decodable {
        struct CAM: Decodable {
            var method: String
            var layer: String
            var `class`: Int
            var options: [String: Double]
            var raw: String
            var final: String
            var weights: String?
        }
        struct Integrated: Decodable {
            var method: String
            var baseline: String
            var `class`: Int
            var steps: Int
            var attributions: String
            var score_difference: Double
        }
        struct OcclusionEntry: Decodable {
            var patch: Int
            var stride: Int
            var value: String
            var `class`: Int
            var map: String
        }
        struct RISEEntry: Decodable {
            var masks: String
            var count: Int
            var grid: Int
            var keep: Double
            var `class`: Int
            var map: String
        }
        var classes: [Int]
        var cams: [CAM]
        var guided: String
        var integrated_gradients: [Integrated]
        var occlusion: [OcclusionEntry]
        var rise: RISEEntry
    }

    private var reference: Reference!
    private var model: Model!
    private var input: RunInput!

    override func setUpWithError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("attribution/reference.json")))
        reference = try JSONDecoder().decode(Reference.self, from: data)
        model = try ONNXModelLoader().load(ModelSpec(path: Fixtures.path("attribution/model.onnx")))
        input = RunInput(id: "x", path: "input.npy", tensor: try array("input"), original: nil)
    }

    private func array(_ name: String) throws -> Tensor { try Fixtures.tensor("attribution/\(name).npy") }

    /// The run's first array of `role` for class `classIndex`, without its batch axis.
    private func run(
        _ visualizer: Visualizer, _ options: String, role: String, classIndex: Int, sink: CollectingSink = CollectingSink(),
        inputMapping: InputMapping? = nil
    ) throws -> Tensor {
        try visualizer.configure(runOptions(options), model: model)
        try visualizer.run(RunContext(model: model, inputs: [input], runName: "run", sink: sink, inputMapping: inputMapping))
        let map = try XCTUnwrap(sink.array(role: role, input: "x", classIndex: classIndex), options)
        return map.reshaped(Array(map.shape.dropFirst()))
    }

    /// pytorch-grad-cam's raw map after the book's `relu`, `/ max`.
    private func bookNormalised(_ raw: Tensor) -> Tensor {
        let rectified = raw.scalars.map { max($0, 0) }
        let largest = rectified.max() ?? 0
        return Tensor(shape: raw.shape, scalars: rectified.map { largest > 0 ? $0 / largest : 0 })
    }

    func testCAMsAgainstPytorchGradCAM() throws {
        for cam in reference.cams where cam.method != "gradcam" {
            let ratio = cam.options["ratio_channels_to_ablate"].map { ", ratio_channels_to_ablate: \($0)" } ?? ""
            let options = "{layer: \(cam.layer), class: \(cam.class), method: \(cam.method), batch: 5\(ratio)}"
            let heatmap = try run(GradCAMVisualizer(), options, role: "heatmap", classIndex: cam.class)
            // The tool's raw map (get_cam_image), normalised as vizrun's heatmap is.
            assertClose(heatmap, bookNormalised(try array(cam.raw)), tolerance: 1e-3, options)
            // The tool's end result: relu, scaled, cv2.resize to the input, scaled again (base_cam.py).
            let final = minMaxScaled(minMaxScaled(heatmap).resizedBilinear(height: 32, width: 32))
            assertClose(final, try array(cam.final), tolerance: 1e-3, "\(options) final")
        }
    }

    func testEigenProjectionsAndPerturbationWeights() throws {
        for cam in reference.cams {
            let layer = try model.requireLayer(cam.layer)
            let activations = try array("\(cam.layer)_activations")
            let channels = activations.shape[3]
            let label = "\(cam.method) \(cam.layer) class \(cam.class)"
            switch cam.method {
            case "eigencam", "eigengradcam":
                let gradients = try array("\(cam.layer)_grads_\(cam.class)")
                let method = try XCTUnwrap(CAMMethod(rawValue: cam.method))
                let raw = method.combination(activations: activations.scalars, gradients: gradients.scalars, channels: channels)
                assertClose(
                    Tensor(shape: Array(activations.shape[1...2]), scalars: raw), try array(cam.raw), tolerance: 1e-3, label)
            case "scorecam", "ablationcam":
                var perturbation = PerturbationCAM(
                    model: model, target: try ClassScore(model: model), layer: layer.outputNode, batch: 5)
                perturbation.ratioChannelsToAblate = cam.options["ratio_channels_to_ablate"] ?? 1
                let logits = try array("logits")
                let weights = try perturbation.weights(
                    try XCTUnwrap(CAMMethod(rawValue: cam.method)), input: input.tensor, activation: activations,
                    scores: [logits.scalars[cam.class]], classes: [cam.class])[0]
                assertClose(
                    Tensor(shape: [channels], scalars: weights), try array(try XCTUnwrap(cam.weights)), tolerance: 1e-3, label)
            default: continue
            }
        }
    }

    func testGuidedBackpropAndGuidedGradCAM() throws {
        let top = reference.classes[0]
        let guided = try array(reference.guided)
        let pass = try ScoreGradients(model: model, target: try ClassScore(model: model), batch: input.tensor)
        let inputNode = model.graph.inputNodes[0]
        let ours = try pass.gradients(classes: [top], wrt: [inputNode], rule: .guided)[inputNode]!
        assertClose(ours, guided, tolerance: 1e-4, "guided backprop")
        let plain = try pass.gradients(classes: [top], wrt: [inputNode])[inputNode]!
        XCTAssertGreaterThan(
            zip(plain.scalars, guided.scalars).map { abs($0 - $1) }.max() ?? 0, 1e-3 * guided.maxAbs,
            "guidance changes the gradient")

        let map = try run(SaliencyVisualizer(), "{class: \(top), method: guided_backprop}", role: "saliency", classIndex: top)
        assertClose(map, maxAbsOverChannels(guided), tolerance: 1e-3, "guided_backprop map")

        // Guided Grad-CAM: the guided gradient times pytorch-grad-cam's Grad-CAM (book-normalised),
        // resized to the input as the overlay is.
        let gradcam = try XCTUnwrap(reference.cams.first { $0.method == "gradcam" })
        let heatmap = bookNormalised(try array(gradcam.raw)).resizedBilinear(height: 32, width: 32)
        let expected = Tensor(shape: [32, 32], scalars: zip(maxAbsOverChannels(guided).scalars, heatmap.scalars).map { $0 * $1 })
        let guidedGradCAM = try run(
            GradCAMVisualizer(), "{layer: relu4, class: \(top), method: guided_gradcam}", role: "saliency", classIndex: top)
        assertClose(guidedGradCAM, expected, tolerance: 1e-3, "guided_gradcam")
    }

    func testIntegratedGradientsAgainstCaptum() throws {
        let noisePath = Fixtures.path("attribution/ig_noise_baseline.npy")
        for entry in reference.integrated_gradients {
            let label = "\(entry.method) \(entry.baseline) class \(entry.class)"
            let baseline = entry.baseline == "zero" ? "zero" : noisePath
            let sink = CollectingSink()
            let map = try run(
                SaliencyVisualizer(),
                "{class: \(entry.class), method: integrated_gradients, integration: \(entry.method), baseline: \(baseline)}",
                role: "saliency", classIndex: entry.class, sink: sink)
            // Captum's trapezoid weights sum to (n − 1)/n (see IntegratedGradients.Rule).
            let scale: Float = entry.method == "riemann_trapezoid" ? Float(entry.steps) / Float(entry.steps - 1) : 1
            let captum = try array(entry.attributions)
            let expected = Tensor(shape: captum.shape, scalars: captum.scalars.map { $0 * scale })
            assertClose(map, channelSums(expected), tolerance: 1e-3, label)
            let measures = try XCTUnwrap(sink.arrays.first?.0.measures, "the array records the completeness")
            XCTAssertEqual(try XCTUnwrap(measures.scoreDifference), entry.score_difference, accuracy: 1e-4, label)
            let error = try XCTUnwrap(measures.completenessError)
            let total = expected.scalars.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(error, total - entry.score_difference, accuracy: 1e-3, "\(label): completeness error")
            if entry.baseline == "zero" {
                XCTAssertLessThan(abs(error), 0.01 * abs(entry.score_difference), "\(label): below 1 % at 50 steps")
            }
        }
    }

    /// `baseline: blurred` starts from the RISE paper's blur of the input: the same attributions
    /// and completeness as from the blur the fixture script computed with scipy and PyTorch.
    func testIntegratedGradientsFromTheBlurredBaseline() throws {
        let top = reference.classes[0]
        let stored = Fixtures.path("metrics/blurred.npy")
        var results: [(map: Tensor, measures: ArtifactMeasures)] = []
        for baseline in ["blurred", stored] {
            let sink = CollectingSink()
            let map = try run(
                SaliencyVisualizer(), "{class: \(top), method: integrated_gradients, baseline: \(baseline)}", role: "saliency",
                classIndex: top, sink: sink)
            results.append((map, try XCTUnwrap(sink.arrays.first?.0.measures)))
        }
        assertClose(results[0].map, results[1].map, tolerance: 1e-4, "blurred")
        let difference = try XCTUnwrap(results[1].measures.scoreDifference)
        XCTAssertEqual(try XCTUnwrap(results[0].measures.scoreDifference), difference, accuracy: 1e-4)
        XCTAssertGreaterThan(abs(difference), 0.1, "the blur moves the score")
        XCTAssertLessThan(abs(try XCTUnwrap(results[0].measures.completenessError)), 0.01 * abs(difference))
    }

    /// `baseline: uniform` is noise drawn uniformly over the input's own range (min…max) with the
    /// run's seed: the same seed draws the same baseline, another seed another; each tenth of the
    /// range holds about a tenth of the values; and the manifest's completeness error is the map's
    /// sum less the score's change, small beside it (a path from noise is rougher than from zero:
    /// 3 % of it at 50 steps here, where the zero baseline's is below 1 %).
    func testIntegratedGradientsFromSeededUniformNoise() throws {
        let top = reference.classes[0]
        func options(seed: Int) throws -> SaliencyOptions {
            try SaliencyOptions(
                runOptions("{class: \(top), method: integrated_gradients, baseline: uniform, seed: \(seed)}"), model: model)
        }
        let noise = try SaliencyVisualizer.baseline(for: input, options: options(seed: 5), mapping: nil)
        XCTAssertEqual(noise.shape, input.tensor.shape)
        XCTAssertEqual(
            noise.scalars, try SaliencyVisualizer.baseline(for: input, options: options(seed: 5), mapping: nil).scalars)
        XCTAssertNotEqual(
            noise.scalars, try SaliencyVisualizer.baseline(for: input, options: options(seed: 6), mapping: nil).scalars)
        let (low, high) = (try XCTUnwrap(input.tensor.scalars.min()), try XCTUnwrap(input.tensor.scalars.max()))
        XCTAssertLessThan(low, high)
        XCTAssertTrue(noise.scalars.allSatisfy { $0 >= low && $0 <= high }, "within the input's range")
        var tenths = [Int](repeating: 0, count: 10)
        for value in noise.scalars { tenths[min(9, Int((value - low) / (high - low) * 10))] += 1 }
        for (tenth, count) in tenths.enumerated() {
            XCTAssertEqual(Double(count) / Double(noise.count), 0.1, accuracy: 0.025, "tenth \(tenth) of the range")
        }

        let sink = CollectingSink()
        let map = try run(
            SaliencyVisualizer(), "{class: \(top), method: integrated_gradients, baseline: uniform, seed: 5}",
            role: "saliency", classIndex: top, sink: sink)
        XCTAssertGreaterThan(map.maxAbs, 0)
        let measures = try XCTUnwrap(sink.arrays.first?.0.measures)
        let difference = try XCTUnwrap(measures.scoreDifference)
        XCTAssertGreaterThan(abs(difference), 0.01, "the noise moves the score")
        let error = try XCTUnwrap(measures.completenessError)
        let total = map.scalars.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(error, total - difference, accuracy: 1e-4, "the channel sums' total less the score's change")
        XCTAssertLessThan(abs(error), 0.05 * abs(difference))
    }

    /// `baseline: black` is a black picture through the run's preprocessing: with torchvision's
    /// (x / 255 − mean) / std, every pixel (−mean / std), which the test writes as an `.npy`
    /// baseline (checked against Captum above). Without a preprocessing it cannot be drawn.
    func testIntegratedGradientsFromABlackPicture() throws {
        let (mean, std): ([Float], [Float]) = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
        let torchvision = InputMapping(
            scale: std.map { 1 / (255 * $0) }, offset: zip(mean, std).map { -$0 / $1 }, source: [0, 1, 2])
        let shape = input.tensor.shape
        let black = Tensor(shape: shape, scalars: (0..<input.tensor.count).map { -mean[$0 % 3] / std[$0 % 3] })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-black-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("black.npy").path
        try black.writeNpy(to: path)
        let top = reference.classes[0]
        let options = "{class: \(top), method: integrated_gradients, baseline: "
        let fromBlack = try run(
            SaliencyVisualizer(), options + "black}", role: "saliency", classIndex: top, inputMapping: torchvision)
        let fromFile = try run(SaliencyVisualizer(), options + "\(path)}", role: "saliency", classIndex: top)
        assertClose(fromBlack, fromFile, tolerance: 1e-6, "black")
        XCTAssertGreaterThan(fromBlack.maxAbs, 0)
        let refused = vizError { try self.run(SaliencyVisualizer(), options + "black}", role: "saliency", classIndex: top) }
        XCTAssertEqual(refused?.location, input.path)
        XCTAssertEqual(
            refused?.message,
            "baseline 'black' needs the run's preprocessing as a mapping of each channel's 0…255 levels, which this run does not have"
        )
    }

    func testOcclusionAgainstCaptum() throws {
        for entry in reference.occlusion {
            let options =
                "{class: \(entry.class), method: occlusion, patch: \(entry.patch), stride: \(entry.stride), value: \(entry.value)}"
            let map = try run(SaliencyVisualizer(), options, role: "saliency", classIndex: entry.class)
            assertClose(map, try array(entry.map), tolerance: 1e-3, options)
        }
    }

    func testRISEWithThePapersMasks() throws {
        let rise = reference.rise
        let masks = try array(rise.masks)
        let visualizer = SaliencyVisualizer()
        visualizer.maskSource = { index, height, width in
            Array(masks.scalars[(index * height * width)..<((index + 1) * height * width)])
        }
        let options =
            "{class: \(rise.class), method: rise, masks: \(rise.count), grid: \(rise.grid), keep: \(rise.keep), batch: 10}"
        let map = try run(visualizer, options, role: "saliency", classIndex: rise.class)
        assertClose(map, try array(rise.map), tolerance: 1e-3, options)
    }

    /// vizrun's own masks follow the paper's recipe: values in [0, 1], about `keep` of the area kept,
    /// the same masks for the same seed and others for another.
    func testRISEMasksAreSeededAndKeepTheirShare() throws {
        let rise = RISE(model: model, target: try ClassScore(model: model), count: 200, grid: 7, keep: 0.3, seed: 5, batch: 8)
        var generator = SeededGenerator(seed: 5)
        let masks = (0..<200).map { _ in rise.drawMask(&generator, height: 30, width: 20) }
        XCTAssertTrue(masks.allSatisfy { $0.count == 600 && $0.allSatisfy { $0 >= 0 && $0 <= 1 } })
        let mean = masks.flatMap { $0 }.reduce(0, +) / Float(200 * 600)
        XCTAssertEqual(mean, 0.3, accuracy: 0.03)
        var again = SeededGenerator(seed: 5)
        XCTAssertEqual(rise.drawMask(&again, height: 30, width: 20), masks[0])
        var other = SeededGenerator(seed: 6)
        XCTAssertNotEqual(rise.drawMask(&other, height: 30, width: 20), masks[0])
    }

    /// numpy's leggauss for 5 points.
    func testGaussLegendreNodes() {
        let points = IntegratedGradients.gaussLegendre(5)
        let nodes = [-0.906179845938664, -0.5384693101056831, 0.0, 0.5384693101056831, 0.906179845938664]
        let weights = [0.23692688505618928, 0.4786286704993663, 0.5688888888888887, 0.4786286704993663, 0.23692688505618928]
        for (point, (node, weight)) in zip(points, zip(nodes, weights)) {
            XCTAssertEqual(point.node, node, accuracy: 1e-14)
            XCTAssertEqual(point.weight, weight, accuracy: 1e-14)
        }
    }

    /// pytorch-grad-cam's `scale_cam_image`: `(x − min) / (max(x − min) + 1e-7)`.
    private func minMaxScaled(_ map: Tensor) -> Tensor {
        let low = map.scalars.min() ?? 0
        let range = (map.scalars.max() ?? 0) - low
        return Tensor(shape: map.shape, scalars: map.scalars.map { ($0 - low) / (range + 1e-7) })
    }

    private func maxAbsOverChannels(_ tensor: Tensor) -> Tensor {
        let channels = tensor.shape[3]
        return Tensor(
            shape: [tensor.shape[1], tensor.shape[2]],
            scalars: stride(from: 0, to: tensor.count, by: channels).map { start in
                tensor.scalars[start..<(start + channels)].map { abs($0) }.max() ?? 0
            })
    }

    private func channelSums(_ tensor: Tensor) -> Tensor {
        let channels = tensor.shape[3]
        return Tensor(
            shape: [tensor.shape[1], tensor.shape[2]],
            scalars: stride(from: 0, to: tensor.count, by: channels).map { tensor.scalars[$0..<($0 + channels)].reduce(0, +) })
    }
}
