import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

/// Against TensorFlow (Tests/Fixtures/gradients, written by Scripts/make_gradient_fixtures.py):
/// activations, dScore/dA, every CAM method's raw and final map, vanilla saliency and SmoothGrad
/// with the fixture's own noise, for a softmax model (class `top` and 2), a single-sigmoid
/// model (classes 1 and 0) and the demo's trained convnet on its photo (a 7×7×128 layer; class
/// `top` and a low-probability class), with the probability and the logit as the score.
final class GoldenTests: XCTestCase {
    private struct Reference: Decodable {
        struct CAM: Decodable {
            var input: String
            var predictions: String
            var logits: String
            var target_layer: String
            var methods: [String]
            var classes: [ClassEntry]
            var smoothgrad: SmoothGrad
        }
        struct ClassEntry: Decodable {
            var tag: String
            var kind: String
            var index: Int?
            var resolved_index: Int?
            var scores: [String: [String: Entry]]
        }
        enum Entry: Decodable {
            case file(String)
            case number(Double)
            case flag(Bool)
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let flag = try? container.decode(Bool.self) {
                    self = .flag(flag)
                } else if let number = try? container.decode(Double.self) {
                    self = .number(number)
                } else {
                    self = .file(try container.decode(String.self))
                }
            }
            var file: String? { if case .file(let name) = self { return name } else { return nil } }
            var number: Double? { if case .number(let value) = self { return value } else { return nil } }
        }
        struct SmoothGrad: Decodable {
            var n: Int
            var noise_level: Double
            var noise: String
        }
        var model: String
        var cam: CAM
    }

    private static let methodNames: [String: CAMMethod] = [
        "gradcam": .gradcam, "gradcampp": .gradcamPlusPlus, "xgradcam": .xgradcam, "layercam": .layercam, "hirescam": .hirescam,
    ]

    /// Largest difference relative to the reference's largest magnitude, per quantity (for the report).
    private var worst: [String: Float] = [:]

    private func compare(
        _ actual: Tensor, _ expected: Tensor, tolerance: Float, _ what: String, group: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertClose(actual, expected, tolerance: tolerance, what, file: file, line: line)
        guard actual.shape == expected.shape else { return }
        let scale = expected.maxAbs > 0 ? expected.maxAbs : 1
        let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        worst[group] = max(worst[group] ?? 0, difference / scale)
    }

    private func report(_ model: String) {
        for (group, value) in worst.sorted(by: { $0.key < $1.key }) {
            print("golden \(model) \(group): max |diff| / max |ref| = \(value)")
        }
    }

    func testSequentialSoftmaxModel() throws { try check("k2_sequential") }

    func testFunctionalSigmoidModel() throws { try check("k2_functional") }

    func testTrainedConvnetOnPhoto() throws { try check("scenes_convnet") }

    private func check(_ name: String) throws {
        let folder = "gradients/\(name)/"
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(folder + "reference.json")))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        let cam = reference.cam
        let model = try HDF5ModelLoader().load(ModelSpec(path: Fixtures.path(folder + reference.model)))
        let input = try Fixtures.tensor(folder + cam.input)
        let layer = try model.requireLayer(cam.target_layer)
        XCTAssertEqual(try GradCAMOptions(model: model).layer.name, cam.target_layer, "the default layer is the fixture's")

        // The model's output and logits.
        let outputs = try model.graph.evaluate([input], targets: [model.predictionLayer!.outputNode, model.logitNode!])
        compare(
            outputs[model.predictionLayer!.outputNode]!, try Fixtures.tensor(folder + cam.predictions), tolerance: 1e-4,
            "predictions", group: "predictions")
        compare(
            outputs[model.logitNode!]!, try Fixtures.tensor(folder + cam.logits), tolerance: 1e-4, "logits", group: "predictions")

        let noise = try Fixtures.tensor(folder + cam.smoothgrad.noise)
        XCTAssertEqual(noise.shape[0], cam.smoothgrad.n)

        for entry in cam.classes {
            let choice: ClassScore.Choice
            switch entry.kind {
            case "top": choice = .top
            case "index": choice = .index(entry.index!)
            case "sigmoid_positive": choice = .index(1)
            case "sigmoid_negative": choice = .index(0)
            default: return XCTFail("unknown class kind \(entry.kind)")
            }
            for (scoreName, files) in entry.scores.sorted(by: { $0.key < $1.key }) {
                let label = "\(name) class \(entry.tag) \(scoreName)"
                let score = try XCTUnwrap(ClassScore.Score(rawValue: scoreName))
                let target = try ClassScore(model: model, score: score, choices: [choice])
                let pass = try ScoreGradients(
                    model: model, target: target, batch: input, differentiatingAt: [layer.outputNode])
                let classes = try pass.classes(for: choice)
                if let resolved = entry.resolved_index { XCTAssertEqual(classes, [resolved], label) }
                let value = target.scoreValues(classes: classes, scoreValue: pass.value(target.scoreNode)!)[0]
                XCTAssertEqual(Double(value), files["score_value"]!.number!, accuracy: 1e-5, label)

                // A and dScore/dA.
                let activations = try XCTUnwrap(pass.value(layer.outputNode))
                let gradients = try XCTUnwrap(try pass.gradients(classes: classes, wrt: [layer.outputNode])[layer.outputNode])
                let referenceA = try Fixtures.tensor(folder + files["activations"]!.file!)
                let referenceG = try Fixtures.tensor(folder + files["grads"]!.file!)
                compare(activations, referenceA, tolerance: 1e-4, "\(label) activations", group: "activations")
                compare(gradients, referenceG, tolerance: 1e-4, "\(label) grads", group: "grads")

                // Every method: from TF's own A and g (the formula), and from ours (end to end).
                let channels = activations.shape[3]
                let (height, width) = (activations.shape[1], activations.shape[2])
                for methodName in cam.methods {
                    let method = try XCTUnwrap(Self.methodNames[methodName], methodName)
                    let raw = try Fixtures.tensor(folder + files[methodName + "_raw"]!.file!)
                    let heatmap = try Fixtures.tensor(folder + files[methodName]!.file!)
                    let formulaRaw = Tensor(
                        shape: [height, width],
                        scalars: method.combination(
                            activations: referenceA.scalars, gradients: referenceG.scalars,
                            channels: channels))
                    compare(
                        formulaRaw, raw, tolerance: 1e-4, "\(label) \(methodName) raw from TF's A, g", group: "raw maps (TF A, g)"
                    )
                    compare(
                        method.heatmaps(activations: referenceA, gradients: referenceG)[0], heatmap, tolerance: 1e-3,
                        "\(label) \(methodName) from TF's A, g", group: "heatmaps (TF A, g)")
                    let ourRaw = Tensor(
                        shape: [height, width],
                        scalars: method.combination(
                            activations: activations.scalars, gradients: gradients.scalars,
                            channels: channels))
                    compare(ourRaw, raw, tolerance: 1e-3, "\(label) \(methodName) raw", group: "raw maps")
                    compare(
                        method.heatmaps(activations: activations, gradients: gradients)[0], heatmap, tolerance: 1e-3,
                        "\(label) \(methodName)", group: "heatmaps")
                }

                // Saliency and SmoothGrad through the visualizer, as a run would call it.
                let classOption = choice == .top ? "top" : "\(classes[0])"
                let run = RunInput(id: "cam", path: "cam_input.npy", tensor: input, original: nil)
                for method in ["vanilla", "smoothgrad"] {
                    let visualizer = SaliencyVisualizer()
                    let extra =
                        method == "smoothgrad" ? ", samples: \(cam.smoothgrad.n), noise: \(cam.smoothgrad.noise_level)" : ""
                    try visualizer.configure(
                        runOptions("{class: \(classOption), score: \(scoreName), method: \(method)\(extra)}"),
                        model: model)
                    visualizer.noiseSource = { _, sample, _ in noise.batchItem(sample) }
                    let sink = CollectingSink()
                    try visualizer.run(RunContext(model: model, inputs: [run], runName: "saliency", sink: sink))
                    let map = try XCTUnwrap(sink.array(role: "saliency", input: "cam", classIndex: classes[0]))
                    let reference = try Fixtures.tensor(folder + files[method == "vanilla" ? "saliency" : "smoothgrad"]!.file!)
                    compare(
                        map.reshaped(Array(map.shape.dropFirst())), reference, tolerance: 1e-4, "\(label) \(method)",
                        group: method == "vanilla" ? "saliency" : "smoothgrad")
                }
            }
        }
        report(name)
    }

    /// The σ SmoothGrad draws with when no noise is injected is the fixture's rule.
    func testSmoothGradSigmaRule() throws {
        let input = try Fixtures.tensor("gradients/k2_sequential/cam_input.npy")
        XCTAssertEqual(SaliencyVisualizer.sigma(input, 0.15), 0.14996421136565913, accuracy: 1e-6)
    }
}
