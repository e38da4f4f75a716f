import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

/// vizrun's gradient methods on exported torchvision models against PyTorch's, through the command
/// with the layer named by its PyTorch module path: Grad-CAM against pytorch-grad-cam, vanilla
/// saliency against autograd's input gradient, one step of the book's normalised gradient ascent
/// (Tests/Fixtures/onnx_methods, written by Scripts/make_onnx_method_fixtures.py).
final class MethodReferenceTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-onnx-methods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// `reference.json` of one family.
    private struct Reference: Decodable {
        let layer: String
        let `class`: Int
        let filter: Int
        let models: [String]
    }

    /// The part of `manifest.json` read here.
    private struct Manifest: Decodable {
        struct Run: Decodable {
            var visualizer: String
            var artifacts: [ArtifactRecord]
        }
        var runs: [Run]
    }

    func testResNet18AtLayer4() throws { try checkMethods("resnet18") }

    func testMobileNetV2AtFeatures18() throws { try checkMethods("mobilenetv2") }

    private func checkMethods(_ family: String) throws {
        let base = "onnx_methods/\(family)"
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("\(base)/reference.json"))))
        for model in reference.models {
            let label = "\(family) \(model)"
            let output = folder.appendingPathComponent(model.replacingOccurrences(of: "/", with: "_"))
            let config = """
                model: \(Fixtures.path("\(base)/\(model)"))
                input:
                  images: [\(Fixtures.path("\(base)/input.npy"))]
                output:
                  dir: \(output.path)
                runs:
                  - visualizer: gradcam
                    layer: \(reference.layer)
                    colormap: gray
                  - visualizer: saliency
                  - visualizer: filters
                    layer: \(reference.layer)
                    filters: [\(reference.filter)]
                    steps: 1
                    start: \(Fixtures.path("\(base)/start.npy"))
                """
            let configPath = folder.appendingPathComponent("\(family).yaml").path
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            let result = try VizrunCommand.run([configPath, "--quiet", "--force"])
            XCTAssertEqual(result.status, 0, "\(label): \(result.stderr)")
            guard result.status == 0 else { continue }
            let manifest = try JSONDecoder().decode(
                Manifest.self, from: Data(contentsOf: output.appendingPathComponent("manifest.json")))
            func artifact(_ visualizer: String, _ kind: String, _ role: String) throws -> (ArtifactRecord, String) {
                let found = try XCTUnwrap(
                    manifest.runs.first { $0.visualizer == visualizer }?.artifacts.first { $0.kind == kind && $0.role == role },
                    "\(label): no \(kind) \(role) from \(visualizer)")
                return (found, output.appendingPathComponent(found.path).path)
            }

            let (heatmap, heatmapFile) = try artifact("gradcam", "array", "heatmap")
            XCTAssertEqual(heatmap.layer, reference.layer, label)
            XCTAssertEqual(heatmap.classIndex, reference.class, "\(label): the top class")
            let map = try Tensor(npyFileAt: heatmapFile)
            let layerMap = try Fixtures.tensor("\(base)/gradcam_layer.npy")
            assertClose(map, layerMap, tolerance: 1e-3, "\(label): Grad-CAM heatmap")
            try checkResizedHeatmap(map, image: try artifact("gradcam", "image", "heatmap").1, base, label)

            let (saliency, saliencyFile) = try artifact("saliency", "array", "saliency")
            XCTAssertEqual(saliency.classIndex, reference.class, "\(label): the top class")
            let expectedSaliency = try Fixtures.tensor("\(base)/saliency.npy")
            assertClose(
                try Tensor(npyFileAt: saliencyFile), expectedSaliency, tolerance: 1e-4,
                "\(label): saliency")

            let start = try Fixtures.tensor("\(base)/start.npy")
            let expectedStep = try Fixtures.tensor("\(base)/ascent_step.npy")
            let step = try Tensor(npyFileAt: try artifact("filters", "array", "pattern").1)
            guard step.shape == start.shape else {
                XCTFail("\(label): the pattern has shape \(step.shape), the start \(start.shape)")
                continue
            }
            let (relative, correlation) = compare(
                Tensor(shape: start.shape, scalars: zip(step.scalars, start.scalars).map { $0 - $1 }),
                Tensor(shape: start.shape, scalars: zip(expectedStep.scalars, start.scalars).map { $0 - $1 }))
            XCTAssertGreaterThanOrEqual(
                correlation, 0.9999, "\(label): the gradient-ascent step (largest difference \(relative) of the largest)")
        }
    }

    /// The heatmap image (gray: level = `uint8(255 · v)`) against the reference resized by cv2.resize,
    /// and vizrun's heatmap scaled and resized as pytorch-grad-cam does (min-max, resize, min-max)
    /// against pytorch-grad-cam's own result.
    private func checkResizedHeatmap(_ map: Tensor, image: String, _ base: String, _ label: String) throws {
        let resized = try Fixtures.tensor("\(base)/gradcam_resized.npy")
        let bitmap = try Bitmap(contentsOfFile: image)
        XCTAssertEqual([bitmap.height, bitmap.width], resized.shape, label)
        let levels = stride(from: 0, to: bitmap.pixels.count, by: bitmap.channels).map { Int(bitmap.pixels[$0]) }
        let worst = zip(levels, resized.scalars).map { abs($0 - Int(255 * $1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1, "\(label): heatmap image levels against cv2.resize's")

        let scaled = Self.minMaxScaled(Self.minMaxScaled(map).resizedBilinear(height: resized.shape[0], width: resized.shape[1]))
        assertClose(
            scaled, try Fixtures.tensor("\(base)/gradcam_input.npy"), tolerance: 1e-3, "\(label): pytorch-grad-cam's result")
    }

    /// pytorch-grad-cam's `scale_cam_image`: `x − min`, then `/ (1e-7 + max)`.
    private static func minMaxScaled(_ map: Tensor) -> Tensor {
        let low = map.scalars.min() ?? 0
        let high = (map.scalars.max() ?? 0) - low
        return Tensor(shape: map.shape, scalars: map.scalars.map { ($0 - low) / (1e-7 + high) })
    }
}
