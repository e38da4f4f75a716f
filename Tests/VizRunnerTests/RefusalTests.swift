import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// Refusals no other test produced, each through the command: the exact line on stderr (where, with
/// `line:column` for a config, and what), exit status 1, and every file in the test folder as it was.
final class RefusalTests: RunnerTestCase {
    func testTwoRunsWithOneName() throws {
        let config = try write(
            demoConfig(
                runs: """
                      - visualizer: activations
                        name: acts
                      - visualizer: gradcam
                        name: acts
                    """))
        try assertRefused(
            [config], at: config + ":11:11", "two runs are named 'acts' (at runs[1].name)",
            quoting: "    name: acts")
    }

    func testAGlobThatMatchesNothing() throws {
        try photoFolder(["a.jpg"])
        let config = try write(
            demoConfig(runs: "  - visualizer: activations")
                .replacingOccurrences(of: "images: [\(Self.demoImage)]", with: "images: [images/*.png]"))
        try assertRefused(
            [config], at: config + ":3:12", "no image files match 'images/*.png' (at input.images[0])",
            quoting: "  images: [images/*.png]")
    }

    func testAStdHoldingZero() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations", extraInput: "\n  std: [0.2, 0, 0.2]"))
        try assertRefused([config], at: config + ":5:8", "std must not contain 0 (at input.std)", quoting: "  std: [0.2, 0, 0.2]")
    }

    private func configWithLabels(_ bytes: [UInt8]) throws -> (config: String, labels: String) {
        let labels = folder.appendingPathComponent("labels.txt")
        try Data(bytes).write(to: labels)
        let config = try write(
            demoConfig(runs: "  - visualizer: gradcam")
                .replacingOccurrences(
                    of: "model: \(Self.demoModel)", with: "model:\n  path: \(Self.demoModel)\n  labels: labels.txt"))
        return (config, labels.path)
    }

    func testAnEmptyLabelsFile() throws {
        let (config, labels) = try configWithLabels(Array(" \n\n".utf8))
        try assertRefused([config], at: labels, "the labels file is empty")
    }

    func testALabelsFileThatIsNotUTF8() throws {
        let (config, labels) = try configWithLabels([0x63, 0x61, 0x74, 0xFF, 0xFE, 0x0A])
        try assertRefused([config], at: labels, "cannot read the labels file as UTF-8 text")
    }

    func testAnOutputPathThatIsAFile() throws {
        try "mine".write(to: folder.appendingPathComponent("out"), atomically: true, encoding: .utf8)
        let config = try write(demoConfig(runs: "  - visualizer: activations"))
        try assertRefused([config], at: folder.appendingPathComponent("out").path, "the output path is a file, not a folder")
    }

    func testAStartArrayHoldingNaN() throws {
        var start = Tensor(zeros: [4, 4, 3])
        start.scalars[17] = .nan
        try start.writeNpy(to: folder.appendingPathComponent("start.npy").path)
        let config = try write(
            demoConfig(
                runs: """
                      - visualizer: filters
                        layer: conv2d
                        start: start.npy
                    """))
        try assertRefused(
            [config], at: config + ":10:12", "the start array holds NaN or infinity (at runs[0].start)",
            quoting: "    start: start.npy")
    }

    /// An input array holding infinity is refused before it reaches the network or a picture.
    func testAnInputArrayHoldingInfinity() throws {
        var input = Tensor(zeros: [150, 150, 3])
        input.scalars[5] = -.infinity
        let path = folder.appendingPathComponent("input.npy").path
        try input.writeNpy(to: path)
        let config = try write(
            demoConfig(runs: "  - visualizer: activations")
                .replacingOccurrences(of: "images: [\(Self.demoImage)]", with: "images: [input.npy]"))
        try assertRefused([config], at: path, "the array holds -inf at flat index 5; inputs must be finite numbers")
    }

    // MARK: - Merging

    /// Two shards of a three-photo run, in `shard0` and `shard1`; returns their paths.
    private func shards() throws -> (String, String) {
        try photoFolder(["a.jpg", "b.png", "c.jpg"])
        let config = try multiInputConfig(output: "whole")
        for index in 0..<2 {
            let path = folder.appendingPathComponent("shard\(index)").path
            try Runner(registry: .builtins(), log: { _ in })
                .run(configAt: config, outputDirectory: path, shard: Manifest.Shard(index: index, count: 2))
        }
        return (folder.appendingPathComponent("shard0").path, folder.appendingPathComponent("shard1").path)
    }

    func testMergeRefusals() throws {
        let (shard0, shard1) = try shards()
        let merged = folder.appendingPathComponent("merged").path
        try assertRefused(
            ["merge", shard0, shard1, "-o", shard1], at: shard1, "the merge output cannot be one of the folders merged")
        try assertRefused(
            ["merge", shard0, "-o", merged], at: shard0, "merge needs each of the 2 shards exactly once; missing shard(s) 1")

        let notOutput = folder.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notOutput, withIntermediateDirectories: true)
        try assertRefused(
            ["merge", shard0, notOutput.path, "-o", merged], at: notOutput.path,
            "no manifest.json here: not a vizrun output folder")
        try "{}".write(to: notOutput.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try assertRefused(
            ["merge", shard0, notOutput.path, "-o", merged], at: notOutput.appendingPathComponent("manifest.json").path,
            "manifest.json is not a vizrun manifest")

        let copy = folder.appendingPathComponent("copy").path
        try FileManager.default.copyItem(atPath: shard1, toPath: copy)
        try assertRefused(
            ["merge", shard0, shard1, copy, "-o", merged], at: copy, "input 'b' appears in two of the folders merged")

        let other = folder.appendingPathComponent("other").path
        try Runner(registry: .builtins(), log: { _ in })
            .run(
                configAt: try multiInputConfig(output: "other", arrays: false), outputDirectory: other,
                shard: Manifest.Shard(index: 1, count: 2))
        try assertRefused(
            ["merge", shard0, other, "-o", merged], at: other,
            "this output comes from another model, preprocessing, runs or `output.arrays` than \(shard0)")
    }

    /// A shard given twice is refused even when it holds no input (of three inputs in four shards,
    /// shard 0 holds none), and so is a shard of another count, each by its shard numbers.
    func testMergingAShardTwiceOrOfAnotherCount() throws {
        let (_, shard1) = try shards()
        let empty = folder.appendingPathComponent("empty").path
        try Runner(registry: .builtins(), log: { _ in })
            .run(
                configAt: folder.appendingPathComponent("whole.yaml").path, outputDirectory: empty,
                shard: Manifest.Shard(index: 0, count: 4))
        let merged = folder.appendingPathComponent("merged").path
        try assertRefused(
            ["merge", empty, empty, "-o", merged], at: empty,
            "merge needs each of the 4 shards exactly once; shard 0 is given twice")
        try assertRefused(
            ["merge", empty, shard1, "-o", merged], at: empty,
            "merge needs each of the 4 shards exactly once; \(shard1) is shard 1/2")
    }

    /// A refused merge must leave no output folder behind, like a refused run.
    func testMergingAShardWithAMissingFile() throws {
        let (shard0, shard1) = try shards()
        let merged = folder.appendingPathComponent("merged").path
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: shard1 + "/manifest.json")))
        let listed = try XCTUnwrap(manifest.runs[1].artifacts.first { $0.input == "b" && $0.kind == "array" })
        try FileManager.default.removeItem(atPath: shard1 + "/" + listed.path)
        try assertRefused(
            ["merge", shard0, shard1, "-o", merged], at: shard1 + "/" + listed.path, "a file the manifest lists is missing")
    }

    /// The command asks for at least one folder itself; a caller of the library gets this.
    func testMergingNothing() {
        let error = vizError { try ShardMerge.merge([], into: self.folder.appendingPathComponent("merged").path) }
        XCTAssertEqual(error?.message, "name at least one folder to merge")
        XCTAssertNil(error?.location)
        XCTAssertEqual(files(under: folder), [])
    }

    func testMergingAnInterruptedRun() throws {
        try photoFolder(["a.jpg", "b.png"])
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]).write(to: folder.appendingPathComponent("images/c.jpg"))
        let config = try multiInputConfig()
        XCTAssertNotNil(runError(config))
        let interrupted = folder.appendingPathComponent("out").path
        try assertRefused(
            ["merge", interrupted, "-o", folder.appendingPathComponent("merged").path], at: interrupted,
            "this output is incomplete (an interrupted run); rerun its shard first")
    }
}
