import Foundation
import ONNXLoader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

/// Deletion and insertion against Xplique 2.0.2 and ROAD against pytorch-grad-cam's ROADCombined,
/// on the attribution fixtures' network and input and four maps (Tests/Fixtures/metrics, written
/// by Scripts/make_metric_fixtures.py). Scores are the class's logit; every comparison within 1e-3.
final class FaithfulnessGoldenTests: XCTestCase {
    private struct Reference: Decodable {
        struct Causal: Decodable {
            var map: String
            var metric: String
            var baseline: String
            var steps: Int
            var auc: Double
            var curve: [Float]
        }
        struct Road: Decodable {
            var map: String
            var noise: Double
            var road: Double
        }
        var `class`: Int
        var maps: [String: String]
        var causal: [Causal]
        var road: [Road]
    }

    private var reference: Reference!
    private var model: Model!
    private var input: Tensor!

    override func setUpWithError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("metrics/reference.json")))
        reference = try JSONDecoder().decode(Reference.self, from: data)
        model = try ONNXModelLoader().load(ModelSpec(path: Fixtures.path("attribution/model.onnx")))
        input = try Fixtures.tensor("attribution/input.npy")
    }

    private func map(_ name: String) throws -> Tensor { try Fixtures.tensor("metrics/\(reference.maps[name]!).npy") }

    private func metrics(_ options: Faithfulness.Options) throws -> Faithfulness {
        Faithfulness(model: model, target: try ClassScore(model: model), options: options)
    }

    func testDeletionAndInsertionAgainstXplique() throws {
        for entry in reference.causal {
            let label = "\(entry.metric) of \(entry.map), baseline \(entry.baseline), \(entry.steps) steps"
            let options = Faithfulness.Options(
                metrics: [try XCTUnwrap(Faithfulness.Metric(rawValue: entry.metric))], steps: entry.steps,
                baseline: try XCTUnwrap(Faithfulness.Baseline(rawValue: entry.baseline)), batch: 16)
            let scores = try metrics(options).scores(of: try map(entry.map), input: input, classIndex: reference.class)
            let curve = try XCTUnwrap(entry.metric == "deletion" ? scores.deletion : scores.insertion, label)
            XCTAssertEqual(curve.count, entry.curve.count, label)
            XCTAssertLessThanOrEqual(zip(curve, entry.curve).map { abs($0 - $1) }.max() ?? .infinity, 1e-3, label)
            let measures = scores.measures
            XCTAssertEqual(
                try XCTUnwrap(entry.metric == "deletion" ? measures.deletionAUC : measures.insertionAUC), entry.auc,
                accuracy: 1e-3, label)
            XCTAssertNil(entry.metric == "deletion" ? scores.insertion : scores.deletion, "only the metric asked for")
        }
    }

    /// The RISE paper's blur (gkern(11, 5), conv2d with padding 5) of the input, as the fixture
    /// script computed it with scipy and PyTorch.
    func testBlurredBaselineMatchesRISE() throws {
        assertClose(RISEBlur.blurred(input), try Fixtures.tensor("metrics/blurred.npy"), tolerance: 1e-5)
    }

    /// With the imputer's noise off, and with pytorch-grad-cam's `torch.randn_like` and vizrun's
    /// generator both replaced by the stored fields: the comparison is exact up to the solver.
    func testROADAgainstPytorchGradCAM() throws {
        let fields = try Fixtures.tensor("metrics/road_noise.npy")
        let fieldSize = fields.count / fields.shape[0]
        for entry in reference.road {
            var road = try metrics(Faithfulness.Options(metrics: [.road], batch: 7))
            road.noiseSource = { index, count in
                XCTAssertEqual(count, fieldSize)
                return entry.noise == 0
                    ? [Float](repeating: 0, count: count) : Array(fields.scalars[(index * count)..<((index + 1) * count)])
            }
            let scores = try road.scores(of: try map(entry.map), input: input, classIndex: reference.class)
            XCTAssertEqual(try XCTUnwrap(scores.road), entry.road, accuracy: 1e-4, "ROAD of \(entry.map), noise \(entry.noise)")
        }
        // The noise matters at this tolerance: the stored fields move every map's score.
        for name in reference.maps.keys {
            let pair = reference.road.filter { $0.map == name }.map(\.road)
            XCTAssertGreaterThan(abs(pair[0] - pair[1]), 1e-4, name)
        }
    }

    /// vizrun's own noise is seeded: the same seed gives the same score, another seed another.
    func testROADNoiseIsSeeded() throws {
        let ramp = try map("ramp")
        func road(seed: UInt64) throws -> Double {
            try XCTUnwrap(
                try metrics(Faithfulness.Options(metrics: [.road], seed: seed)).scores(
                    of: ramp, input: input, classIndex: reference.class
                ).road)
        }
        XCTAssertEqual(try road(seed: 3), try road(seed: 3))
        XCTAssertNotEqual(try road(seed: 3), try road(seed: 4))
    }

    /// The imputation solves pytorch-grad-cam's system: each removed pixel is the weighted mean of
    /// its in-bounds neighbours; a region touching no kept pixel is filled with 0.
    func testImputedPixelsAreTheirNeighboursMean() {
        let imputation = NoisyLinearImputation(height: 5, width: 6, channels: 2)
        var generator = SeededGenerator(seed: 9)
        let image = (0..<60).map { _ in generator.uniform(-1, 1) }
        let removed = (0..<30).map { [7, 8, 13, 14, 15, 20, 29, 0].contains($0) }
        let result = imputation.imputed(image, removed: removed, noise: nil, scale: 0)
        for pixel in 0..<30 {
            let (y, x) = (pixel / 6, pixel % 6)
            for c in 0..<2 {
                guard removed[pixel] else {
                    XCTAssertEqual(result[pixel * 2 + c], image[pixel * 2 + c])
                    continue
                }
                var (sum, weights) = (0.0, 0.0)
                for (dy, dx, weight) in NoisyLinearImputation.neighbours {
                    let (ny, nx) = (y + dy, x + dx)
                    guard ny >= 0, ny < 5, nx >= 0, nx < 6 else { continue }
                    sum += weight * Double(result[(ny * 6 + nx) * 2 + c])
                    weights += weight
                }
                XCTAssertEqual(Double(result[pixel * 2 + c]), sum / weights, accuracy: 1e-5, "pixel \(pixel)")
            }
        }
        let everything = imputation.imputed(image, removed: [Bool](repeating: true, count: 30), noise: nil, scale: 0)
        XCTAssertEqual(everything, [Float](repeating: 0, count: 60))
    }

    /// Through the saliency visualizer: RISE with the paper's stored masks gives the fixture's map,
    /// whose deletion and insertion AUCs land in the map's measures and the curves beside it.
    func testMetricsOfARun() throws {
        let masks = try Fixtures.tensor("attribution/rise_masks.npy")
        let visualizer = SaliencyVisualizer()
        visualizer.maskSource = { index, height, width in
            Array(masks.scalars[(index * height * width)..<((index + 1) * height * width)])
        }
        try visualizer.configure(
            runOptions(
                "{class: \(reference.class), method: rise, masks: 64, grid: 4, keep: 0.5, "
                    + "metrics: {names: [deletion, insertion], steps: 10, baseline: blurred}}"), model: model)
        let sink = CollectingSink()
        let runInput = RunInput(id: "x", path: "input.npy", tensor: input, original: nil)
        try visualizer.run(RunContext(model: model, inputs: [runInput], runName: "run", sink: sink))
        let saliency = try XCTUnwrap(sink.arrays.first { $0.0.role == "saliency" }?.0.measures)
        for metric in ["deletion", "insertion"] {
            let expected = try XCTUnwrap(
                reference.causal.first { $0.map == "rise" && $0.metric == metric && $0.baseline == "blurred" && $0.steps == 10 })
            let auc = try XCTUnwrap(metric == "deletion" ? saliency.deletionAUC : saliency.insertionAUC)
            XCTAssertEqual(auc, expected.auc, accuracy: 1e-3, metric)
            let curve = try XCTUnwrap(sink.arrays.first { $0.0.name.last == "saliency_\(metric)" })
            XCTAssertEqual(curve.0.role, "faithfulness_curve")
            XCTAssertEqual(curve.1.shape, [1, 11])
            XCTAssertTrue(sink.images.contains { $0.0.name.last == "saliency_\(metric)" && $0.1.width == 160 }, metric)
        }
        XCTAssertNil(saliency.road, "only the metrics asked for")
    }
}
