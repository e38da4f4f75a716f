import Foundation
import VizCore
import VizImage
import VizRunner
import XCTest

/// Folders of images stream through the runs in batches; the result does not depend on the batch size.
final class BatchTests: RunnerTestCase {
    /// A folder with the demo image under names that test sorting and case-insensitive extensions.
    private func imageFolder() throws -> URL {
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["b.jpg", "a.JPG", "c.jpeg", "notes.txt"] {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.demoImage), to: images.appendingPathComponent(name))
        }
        return images
    }

    private func run(images: String, batchSize: Int, output: String) throws -> Manifest {
        let config = try write("""
        model: \(Self.demoModel)
        input:
          images: [\(images)]
          scale: 1/255
          batch_size: \(batchSize)
        output:
          dir: \(output)
        runs:
          - visualizer: activations
            layers: [conv2d]
          - visualizer: gradcam
          - visualizer: filters
            layer: conv2d
            filters: 1
            steps: 1
        """, to: "\(output).yaml")
        return try Runner(registry: .builtins()).run(configAt: config).manifest()
    }

    func testAFolderStreamsInBatchesWithTheSameResultAsOneBatch() throws {
        let images = try imageFolder()
        let batched = try run(images: images.path, batchSize: 2, output: "batched")
        let whole = try run(images: images.path, batchSize: 8, output: "whole")
        XCTAssertEqual(batched.inputs.map(\.id), ["a", "b", "c"], "sorted, images only, any case of extension")
        XCTAssertEqual(batched.runs.map { $0.artifacts.map(\.path) }, whole.runs.map { $0.artifacts.map(\.path) })
        XCTAssertEqual(batched.runs[0].artifacts.filter { $0.role == "grid" }.map(\.input), ["a", "b", "c"])
        XCTAssertEqual(batched.runs[1].predictions?.map(\.input), ["a", "b", "c"])
        XCTAssertEqual(batched.runs[2].artifacts.filter { $0.role == "grid" }.count, 1, "filter patterns run once")
        // Equal to float32 rounding: a batched convolution sums in another order than a single one.
        for (left, right) in zip(batched.runs.flatMap(\.artifacts), whole.runs.flatMap(\.artifacts)) where left.kind == "array" {
            let a = try Tensor(npyFileAt: folder.appendingPathComponent("batched").appendingPathComponent(left.path).path)
            let b = try Tensor(npyFileAt: folder.appendingPathComponent("whole").appendingPathComponent(right.path).path)
            XCTAssertEqual(a.shape, b.shape, left.path)
            XCTAssertLessThanOrEqual(zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0, 1e-4, left.path)
        }
    }

    /// A folder run's activations also give each layer's mean activation per channel over the inputs.
    func testAFolderRunAveragesEachChannelOverTheInputs() throws {
        let images = try imageFolder()
        let manifest = try run(images: images.path, batchSize: 2, output: "aggregated")
        let acts = manifest.runs[0]
        let array = try XCTUnwrap(acts.artifacts.first { $0.role == "channel_means" && $0.kind == "array" })
        XCTAssertNil(array.input)
        XCTAssertEqual(array.layer, "conv2d")
        XCTAssertEqual(array.shape, [32])
        let perInput = acts.artifacts.filter { $0.role == "activation" }.compactMap { $0.stats?.channelMeans }
        XCTAssertEqual(perInput.count, 3)
        let expected = (0..<32).map { channel in perInput.reduce(Float(0)) { $0 + $1[channel] } / 3 }
        let written = try Tensor(npyFileAt: folder.appendingPathComponent("aggregated").appendingPathComponent(array.path).path)
        XCTAssertEqual(written.shape, [32])
        for (actual, wanted) in zip(written.scalars, expected) { XCTAssertEqual(actual, wanted, accuracy: 1e-6) }
        let table = try XCTUnwrap(acts.artifacts.first { $0.role == "channel_means" && $0.kind == "table" })
        let csv = try String(contentsOf: folder.appendingPathComponent("aggregated").appendingPathComponent(table.path), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("channel,mean\n0,"), csv)
        XCTAssertEqual(csv.split(separator: "\n").count, 33)
        let report = try String(contentsOf: folder.appendingPathComponent("aggregated/report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("Mean activation per channel over 3 inputs (32 channels)"))

        // Grad-CAM's contact sheet: one 96-pixel tile per input, best score first (ties in input order).
        let sheet = try XCTUnwrap(manifest.runs[1].artifacts.first { $0.role == "contact_sheet" })
        XCTAssertNil(sheet.input)
        let picture = try Bitmap(contentsOfFile: folder.appendingPathComponent("aggregated").appendingPathComponent(sheet.path).path)
        XCTAssertEqual([picture.width, picture.height], [3 * 96 + 2 * 4, 96])
        XCTAssertTrue(report.contains("Contact sheet order (3 inputs, 12 per row, 120 per page)"))
        XCTAssertEqual(report.components(separatedBy: "src=\"\(sheet.path)\"").count, 2)
    }

    func testAGlobMatchesImagesInSortedOrder() throws {
        _ = try imageFolder()
        let manifest = try run(images: folder.appendingPathComponent("images/*").path, batchSize: 1, output: "globbed")
        XCTAssertEqual(manifest.inputs.map(\.id), ["a", "b", "c"])
    }

    func testBatchSizeMustBePositive() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations", extraInput: "\n  batch_size: 0"))
        let error = runError(config)
        XCTAssertTrue(error?.message.hasPrefix("batch_size must be at least 1") ?? false, "\(String(describing: error))")
        XCTAssertEqual(error?.location?.hasSuffix(":5:15"), true, "\(String(describing: error))")
    }
}
