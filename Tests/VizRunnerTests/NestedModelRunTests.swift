import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// Runs over a model nested inside another (Deep Learning with Python 5.3's conv base inside a
/// Sequential), from its `.keras` file: its layers are named `outer/inner` in configs.
final class NestedModelRunTests: RunnerTestCase {
    private let fixture = "formats/nested_sequential_k3_keras"

    private func config(runs: String) -> String {
        """
        model: \(Fixtures.path("\(fixture)/model.keras"))
        input:
          images: [\(Fixtures.path("\(fixture)/input.npy"))]
        output:
          dir: out
          arrays: true
        runs:
        \(runs)
        """
    }

    /// Grad-CAM at a layer inside the base equals the book's Grad-CAM computed by TensorFlow.
    func testGradCAMThroughANestedBaseMatchesKeras() throws {
        let path = try write(
            config(
                runs: """
                      - visualizer: gradcam
                        layer: conv_base/block2_conv2
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: path).manifest()
        XCTAssertEqual(manifest.model.loader, "keras")
        let heatmap = try XCTUnwrap(manifest.runs.first?.artifacts.first { $0.role == "heatmap" && $0.kind == "array" })
        XCTAssertEqual(heatmap.layer, "conv_base/block2_conv2")
        let reference =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("\(fixture)/reference.json")))) as! [String: Any]
        let gradcam = try XCTUnwrap(reference["gradcam"] as? [String: Any])
        XCTAssertEqual(heatmap.classIndex, gradcam["class"] as? Int, "the top class")
        let actual = try Tensor(npyFileAt: folder.appendingPathComponent("out").appendingPathComponent(heatmap.path).path)
        let expected = try Fixtures.tensor("\(fixture)/\(gradcam["file"] as! String)")
        assertClose(actual.reshaped(expected.shape), expected, tolerance: 1e-4, "Grad-CAM at conv_base/block2_conv2")
    }

    /// Activations of every layer, nested ones included, under their `outer/inner` names.
    func testActivationsOfNestedLayers() throws {
        let path = try write(
            config(
                runs: """
                      - visualizer: activations
                        layers: [conv_base/block1_conv1, conv_base, dense]
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: path).manifest()
        let arrays = try XCTUnwrap(manifest.runs.first?.artifacts.filter { $0.role == "activation" })
        XCTAssertEqual(arrays.map(\.layer), ["conv_base/block1_conv1", "conv_base", "dense"])
        XCTAssertEqual(arrays.map(\.shape), [[20, 20, 6], [5, 5, 8], [16]])
        XCTAssertFalse(arrays[0].path.contains("conv_base/block1_conv1"), "layer names are made safe in paths")
    }

    /// Gradient ascent on a filter inside the base: the graph runs from the outer input to it.
    func testFilterPatternsOfANestedLayer() throws {
        let path = try write(
            config(
                runs: """
                      - visualizer: filters
                        layer: conv_base/block1_conv2
                        filters: 2
                        steps: 3
                        start: {low: 0, high: 1, seed: 0}
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: path).manifest()
        let patterns = try XCTUnwrap(manifest.runs.first?.artifacts.filter { $0.role == "pattern" && $0.kind == "array" })
        XCTAssertEqual(patterns.map(\.filter), [0, 1])
        XCTAssertEqual(patterns.map(\.layer), ["conv_base/block1_conv2", "conv_base/block1_conv2"])
        XCTAssertEqual(patterns.first?.shape, [20, 20, 3])
    }

    func testAMisspelledNestedLayerIsLocatedWithASuggestion() throws {
        let path = try write(
            config(
                runs: """
                      - visualizer: gradcam
                        layer: conv_base/blok2_conv2
                    """))
        let error = runError(path)
        XCTAssertTrue(error?.message.contains("did you mean 'conv_base/block2_conv2'?") ?? false, "\(String(describing: error))")
    }
}
