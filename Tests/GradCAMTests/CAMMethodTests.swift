import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

/// The CAM weights on hand-made numbers, the zero-map rule, and the visualizer's artifacts.
final class CAMMethodTests: XCTestCase {
    /// 1×2×2×2: A and g, channels interleaved.
    private let a = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 0, 0, 1, 2, 2])
    private let g = Tensor(shape: [1, 2, 2, 2], scalars: [0.5, -1, 0, 1, -0.5, 2, 1, 0])

    func testGradCAMIsTheBooksMeanOverChannels() {
        // w = mean_hw(g) = [0.25, 0.5]; cam = mean_k(w_k A_k) = [(0.25+1)/2, (0.75+0)/2, (0+0.5)/2, (0.5+1)/2].
        let map = CAMMethod.gradcam.heatmaps(activations: a, gradients: g)[0]
        assertClose(map, Tensor(shape: [2, 2], scalars: [0.625, 0.375, 0.25, 0.75].map { $0 / 0.75 }), tolerance: 1e-6)
    }

    func testElementwiseAndChannelMethods() {
        // HiResCAM: Σ_k g·A = [0.5−2, 0+0, 0+2, 2+0] → relu → [0, 0, 2, 2] / 2.
        assertClose(
            CAMMethod.hirescam.heatmaps(activations: a, gradients: g)[0],
            Tensor(shape: [2, 2], scalars: [0, 0, 1, 1]), tolerance: 1e-6)
        // Layer-CAM: Σ_k relu(g)·A = [0.5, 0, 2, 2].
        assertClose(
            CAMMethod.layercam.heatmaps(activations: a, gradients: g)[0],
            Tensor(shape: [2, 2], scalars: [0.25, 0, 1, 1]), tolerance: 1e-6)
        // XGrad-CAM: w = Σ(g·A)/ΣA = [(0.5+0+0+2)/6, (−2+0+2+0)/5] = [5/12, 0]; cam = w0·A0.
        assertClose(
            CAMMethod.xgradcam.heatmaps(activations: a, gradients: g)[0],
            Tensor(shape: [2, 2], scalars: [1 / 3.0, 1, 0, 2 / 3.0]), tolerance: 1e-6)
        // Grad-CAM++ channel 0: g = [0.5, 0, −0.5, 1], ΣA = 6; α = g²/(2g² + 6g³ + 1e-7), 0 where g = 0;
        // w0 = Σ relu(g)α = 0.5·0.25/(0.5+0.75) + 1·1/(2+6) = 0.1 + 0.125.
        let w = CAMMethod.gradcamPlusPlus.weights(activations: a.scalars, gradients: g.scalars, channels: 2)
        guard case .channel(let weights) = w else { return XCTFail("Grad-CAM++ weighs channels") }
        XCTAssertEqual(weights[0], 0.225, accuracy: 1e-6)
        // Channel 1: g = [−1, 1, 2, 0], ΣA = 5: 1/(2+5) + 2·4/(8+40).
        XCTAssertEqual(weights[1], 1 / 7.0 + 8 / 48.0, accuracy: 1e-6)
    }

    func testAZeroHeatmapStaysZeroNeverNaN() {
        let zeros = Tensor(zeros: [1, 2, 2, 2])
        let opposite = Tensor(shape: g.shape, scalars: a.scalars.map { -$0 - 1 }) // every product negative
        // The weighting methods (the Eigen ones project, and a projection has both signs).
        for method in CAMMethod.allCases where !method.perturbs && method != .eigencam && method != .eigengradcam {
            for (activations, gradients) in [(zeros, g), (a, zeros), (a, opposite)] {
                let map = method.heatmaps(activations: activations, gradients: gradients)[0]
                XCTAssertEqual(map.scalars, [0, 0, 0, 0], "\(method)")
            }
        }
        XCTAssertEqual(CAMMethod.eigencam.heatmaps(activations: zeros, gradients: nil)[0].scalars, [0, 0, 0, 0])
        XCTAssertEqual(CAMMethod.eigengradcam.heatmaps(activations: a, gradients: zeros)[0].scalars, [0, 0, 0, 0])
        XCTAssertEqual(CAMMethod.normalized([.nan, 1, -2, 2]), [0, 0.5, 0, 1])
        XCTAssertEqual(CAMMethod.normalized([.infinity, 1]), [0, 0])
    }

    func testBatchItemsAreIndependent() {
        let both = Tensor.concatenatingBatches([a, Tensor(shape: a.shape, scalars: a.scalars.reversed())])
        let grads = Tensor.concatenatingBatches([g, Tensor(shape: g.shape, scalars: g.scalars.reversed())])
        for method in CAMMethod.allCases where !method.perturbs {
            let maps = method.heatmaps(activations: both, gradients: grads)
            XCTAssertEqual(maps[0], method.heatmaps(activations: a, gradients: g)[0], "\(method)")
        }
    }

    /// Batched and one-by-one runs give the same numbers; artifacts carry roles, classes and the
    /// heatmap at the layer's resolution; an `.npy` input gets no overlay.
    func testVisualizerArtifactsAndBatching() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let batch = try Fixtures.tensor("models/k2_sequential/input.npy")
        let inputs = (0..<batch.shape[0]).map {
            RunInput(id: "x\($0)", path: "x\($0).npy", tensor: batch.batchItem($0), original: nil)
        }
        var results: [CollectingSink] = []
        for size in [1, 2] {
            let visualizer = GradCAMVisualizer()
            try visualizer.configure(runOptions("{class: [top, 1, 1], method: layercam, batch: \(size)}"), model: model)
            let sink = CollectingSink()
            try visualizer.run(RunContext(model: model, inputs: inputs, runName: "cam", sink: sink))
            results.append(sink)
        }
        let sink = results[1]
        // Batching changes the matrix products' shapes and so their rounding, nothing more.
        XCTAssertEqual(results[0].arrays.count, sink.arrays.count)
        for (one, two) in zip(results[0].arrays, sink.arrays) { assertClose(two.1, one.1, tolerance: 1e-5) }
        XCTAssertEqual(Set(sink.arrays.map(\.0.role)), ["heatmap"])
        XCTAssertEqual(Set(sink.images.map(\.0.role)), ["heatmap"], "no overlay without an original image")
        for (artifact, array) in sink.arrays {
            XCTAssertEqual(array.shape, [1, 2, 2], "the layer's resolution (max_pooling2d_1), batch axis for the sink")
            XCTAssertEqual(artifact.layer, "max_pooling2d_1")
            XCTAssertTrue(array.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        for (_, image) in sink.images { XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 3]) }
        for input in inputs {
            let top = try XCTUnwrap(sink.predictions[input.id])
            XCTAssertEqual(top.count, 5)
            XCTAssertEqual(top.map(\.score), top.map(\.score).sorted(by: >))
            let classes = sink.arrays.filter { $0.0.input == input.id }.map { $0.0.classIndex! }
            XCTAssertEqual(classes, top[0].classIndex == 1 ? [1] : [top[0].classIndex, 1], "duplicates skipped")
        }
    }

    /// SmoothGrad with its own seeded noise: several classes in one batched run equal separate
    /// one-class, one-input runs; an input's noise does not depend on the run's other inputs.
    func testSaliencyBatchingAndClassesAgree() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let batch = try Fixtures.tensor("models/k2_sequential/input.npy")
        let inputs = (0..<batch.shape[0]).map {
            RunInput(id: "x\($0)", path: "x\($0).npy", tensor: batch.batchItem($0), original: nil)
        }
        func run(_ options: String, _ inputs: [RunInput]) throws -> CollectingSink {
            let visualizer = SaliencyVisualizer()
            try visualizer.configure(runOptions(options), model: model)
            let sink = CollectingSink()
            try visualizer.run(RunContext(model: model, inputs: inputs, runName: "s", sink: sink))
            return sink
        }
        let together = try run("{method: smoothgrad, samples: 3, class: [3, 1], batch: 2}", inputs)
        XCTAssertEqual(together.arrays.map { "\($0.0.input!) \($0.0.classIndex!)" }, ["x0 3", "x0 1", "x1 3", "x1 1"])
        XCTAssertEqual(together.images.count, 4)
        for input in inputs {
            for classIndex in [3, 1] {
                let alone = try run("{method: smoothgrad, samples: 3, class: \(classIndex)}", [input])
                let batched = try XCTUnwrap(together.array(role: "saliency", input: input.id, classIndex: classIndex))
                let single = try XCTUnwrap(alone.array(role: "saliency", input: input.id, classIndex: classIndex))
                assertClose(batched, single, tolerance: 1e-5, "\(input.id) class \(classIndex)")
            }
        }
        let vanilla = try run("{class: 3}", inputs)
        XCTAssertNotEqual(vanilla.arrays[0].1, together.arrays[0].1, "the noise changes the map")
        XCTAssertEqual(vanilla.arrays[0].1.shape, [1, 32, 32])
    }

    /// Class 0 of a single sigmoid output differentiates 1 − p: its gradient is class 1's negated,
    /// and the two heatmaps differ.
    func testSigmoidClassZeroNegatesTheGradient() throws {
        let model = try Fixtures.model("k2_functional", loader: HDF5ModelLoader())
        let input = try Fixtures.tensor("models/k2_functional/input.npy").batchItem(0)
        for score in ClassScore.Score.allCases {
            let target = try ClassScore(model: model, score: score)
            XCTAssertTrue(target.isSingleOutput)
            XCTAssertEqual(target.classCount, 2)
            let pass = try ScoreGradients(model: model, target: target, batch: input)
            let p = pass.value(target.outputNode)!.scalars[0]
            XCTAssertEqual(pass.classScores[0], [1 - p, p])
            let node = model.layer(named: "add")!.outputNode
            let one = try pass.gradients(classes: [1], wrt: [node])[node]!
            let zero = try pass.gradients(classes: [0], wrt: [node])[node]!
            XCTAssertGreaterThan(one.maxAbs, 0)
            XCTAssertEqual(zero.scalars, one.scalars.map { -$0 })
            let value = pass.value(target.scoreNode)!.scalars[0]
            XCTAssertEqual(
                target.scoreValues(classes: [0, 1], scoreValue: Tensor(shape: [2, 1], scalars: [value, value])),
                score == .probability ? [1 - value, value] : [-value, value])
        }
    }
}
