import Foundation
import VizCore
import VizImage
import VizRunner
import VizTesting
import XCTest

/// Folders of images stream through the runs in batches; the result does not depend on the batch size.
final class BatchTests: RunnerTestCase {
    /// Three different photos under names that test sorting and the case of extensions, and a file that is no image.
    private func imageFolder() throws -> URL {
        let images = try photoFolder(["a.JPG", "b.png", "c.jpeg"])
        try "not an image".write(to: images.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        return images
    }

    private func run(images: String, batchSize: Int, output: String) throws -> Manifest {
        try Runner(registry: .builtins()).run(
            configAt: try multiInputConfig(images: images, batchSize: batchSize, output: output)
        ).manifest()
    }

    private func run(_ manifest: Manifest, of visualizer: String) throws -> Manifest.RunRecord {
        try XCTUnwrap(manifest.runs.first { $0.visualizer == visualizer }, visualizer)
    }

    func testAFolderStreamsInBatchesWithEachInputsOwnResults() throws {
        let images = try imageFolder()
        let batched = try run(images: images.path, batchSize: 2, output: "batched")
        XCTAssertEqual(batched.inputs.map(\.id), ["a", "b", "c"], "sorted, images only, any case of extension")
        XCTAssertEqual(batched.inputs.map(\.path), ["a.JPG", "b.png", "c.jpeg"].map { images.appendingPathComponent($0).path })
        XCTAssertEqual(try run(batched, of: "activations").artifacts.filter { $0.role == "grid" }.map(\.input), ["a", "b", "c"])
        XCTAssertEqual(try run(batched, of: "gradcam").predictions?.map(\.input), ["a", "b", "c"])
        XCTAssertEqual(
            try run(batched, of: "filters").artifacts.filter { $0.role == "grid" }.count, 1, "filter patterns run once")
        try assertConv2DOfChelseaMatchesKeras(
            "batched/"
                + XCTUnwrap(
                    try run(batched, of: "activations").artifacts
                        .first { $0.input == "a" && $0.role == "activation" }
                ).path)
        try assertEachInputMatchesItsOwnRun(batched, output: "batched")
    }

    /// A folder run's activations also give each layer's mean activation per channel over the
    /// inputs: here the mean of each input's own channel means, taken from Keras's activations for
    /// the cat and from the arrays written (each equal to its input's own run) for the others.
    func testAFolderRunAveragesEachChannelOverTheInputs() throws {
        let images = try imageFolder()
        let manifest = try run(images: images.path, batchSize: 2, output: "aggregated")
        let output = folder.appendingPathComponent("aggregated")
        let acts = try run(manifest, of: "activations")
        let keras = try Fixtures.tensor("models/seed/outputs/01_conv2d.npy")
        var perInput = [channelMeans(keras)]
        for input in ["b", "c"] {
            let record = try XCTUnwrap(acts.artifacts.first { $0.input == input && $0.role == "activation" })
            perInput.append(channelMeans(try Tensor(npyFileAt: output.appendingPathComponent(record.path).path)))
        }
        XCTAssertEqual(perInput.map(\.count), [32, 32, 32])
        let expected = (0..<32).map { channel in perInput.map { $0[channel] }.reduce(0, +) / 3 }

        let array = try XCTUnwrap(acts.artifacts.first { $0.role == "channel_means" && $0.kind == "array" })
        XCTAssertNil(array.input)
        XCTAssertEqual(array.layer, "conv2d")
        XCTAssertEqual(array.shape, [32])
        let written = try Tensor(npyFileAt: output.appendingPathComponent(array.path).path)
        XCTAssertEqual(written.shape, [32])
        for (channel, (actual, wanted)) in zip(written.scalars, expected).enumerated() {
            XCTAssertEqual(Double(actual), wanted, accuracy: 1e-5 * max(1, abs(wanted)), "channel \(channel)")
        }
        let table = try XCTUnwrap(acts.artifacts.first { $0.role == "channel_means" && $0.kind == "table" })
        let rows = try String(contentsOf: output.appendingPathComponent(table.path), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "channel,mean")
        XCTAssertEqual(rows.count, 33)
        for (channel, row) in rows.dropFirst().enumerated() {
            let cells = row.split(separator: ",")
            XCTAssertEqual(cells.first.map(String.init), String(channel), String(row))
            XCTAssertEqual(
                cells.last.flatMap { Double($0) } ?? .nan, expected[channel], accuracy: 1e-5 * max(1, abs(expected[channel])),
                String(row))
        }
        let report = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("Mean activation per channel over 3 inputs (32 channels)"))

        // Grad-CAM's contact sheet: one 96-pixel tile per input, best score first (ties in input order).
        let sheet = try XCTUnwrap(try run(manifest, of: "gradcam").artifacts.first { $0.role == "contact_sheet" })
        XCTAssertNil(sheet.input)
        let picture = try Bitmap(contentsOfFile: output.appendingPathComponent(sheet.path).path)
        XCTAssertEqual([picture.width, picture.height], [3 * 96 + 2 * 4, 96])
        XCTAssertTrue(report.contains("Contact sheet order (3 inputs, 12 per row, 120 per page)"))
        XCTAssertEqual(report.components(separatedBy: "src=\"\(sheet.path)\"").count, 2)
    }

    func testAGlobMatchesImagesInSortedOrder() throws {
        _ = try imageFolder()
        let manifest = try run(images: folder.appendingPathComponent("images/*").path, batchSize: 1, output: "globbed")
        XCTAssertEqual(manifest.inputs.map(\.id), ["a", "b", "c"])
        try assertEachInputMatchesItsOwnRun(manifest, output: "globbed")
    }

    func testBatchSizeMustBePositive() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations", extraInput: "\n  batch_size: 0"))
        let error = runError(config)
        XCTAssertTrue(error?.message.hasPrefix("batch_size must be at least 1") ?? false, "\(String(describing: error))")
        XCTAssertEqual(error?.location?.hasSuffix(":5:15"), true, "\(String(describing: error))")
    }
}
