import Foundation
import VizCore
@testable import VizRunner
import XCTest

/// Reruns reuse complete results, shards split the inputs, and `merge` puts them back together.
final class ResumeAndShardTests: RunnerTestCase {
    private func imageFolder(_ names: [String] = ["a.jpg", "b.jpg", "c.jpg"]) throws -> URL {
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.demoImage), to: images.appendingPathComponent(name))
        }
        return images
    }

    private func config(output: String = "out", arrays: Bool = true) throws -> String {
        try write("""
        model: \(Self.demoModel)
        input:
          images: [images]
          scale: 1/255
          batch_size: 1
        output:
          dir: \(output)
          arrays: \(arrays)
        runs:
          - visualizer: filters
            layer: conv2d
            filters: 1
            steps: 1
          - visualizer: activations
            layers: [conv2d]
          - visualizer: gradcam
        """, to: "\(output).yaml")
    }

    private func run(_ config: String, shard: Manifest.Shard? = nil, output: String? = nil) throws -> (Manifest, [String]) {
        var lines: [String] = []
        let manifest = try Runner(registry: .builtins(), log: { lines.append($0) })
            .run(configAt: config, outputDirectory: output.map { folder.appendingPathComponent($0).path }, shard: shard).manifest()
        return (manifest, lines)
    }

    func testARerunReusesCompleteInputsAndRedoesTheOthers() throws {
        _ = try imageFolder()
        let config = try config()
        let (first, _) = try run(config)
        XCTAssertEqual(first.complete, true)
        let gridOfB = try XCTUnwrap(first.runs[1].artifacts.first { $0.input == "b" && $0.role == "grid" })
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out").appendingPathComponent(gridOfB.path))

        let (second, lines) = try run(config)
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 2 input(s)") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("1 input(s) in batches of 1") }, "\(lines)")
        XCTAssertEqual(second.inputs.map(\.id), ["a", "b", "c"])
        XCTAssertEqual(second.runs.map { $0.artifacts.map(\.path) }, first.runs.map { $0.artifacts.map(\.path) })
        XCTAssertEqual(second.runs[2].predictions?.map(\.input), ["a", "b", "c"])
        for artifact in second.runs.flatMap(\.artifacts) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + artifact.path).path), artifact.path)
        }
    }

    /// An output an older vizrun wrote has no journal: its manifest says what it holds.
    func testAnOutputWithoutAJournalResumesFromItsManifest() throws {
        _ = try imageFolder()
        let config = try config()
        let (first, _) = try run(config)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out/" + Journal.fileName))
        let (second, lines) = try run(config)
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 3 input(s)") }, "\(lines)")
        XCTAssertEqual(second.inputs, first.inputs)
        XCTAssertEqual(second.runs.map { $0.artifacts.map(\.path) }, first.runs.map { $0.artifacts.map(\.path) })
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + Journal.fileName).path))
    }

    private func arrayPaths(_ manifest: Manifest) -> [String] {
        manifest.runs.flatMap(\.artifacts).filter { $0.kind == "array" && $0.input != nil }.map(\.path)
    }

    func testARerunThatWantsArraysRecomputesInputsWrittenWithout() throws {
        _ = try imageFolder()
        let (first, _) = try run(try config(arrays: false))
        XCTAssertEqual(first.arrays, false)
        XCTAssertEqual(arrayPaths(first), [])

        let (second, lines) = try run(try config(arrays: true))
        XCTAssertFalse(lines.contains { $0.contains("reusing") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("3 input(s) in batches of 1") }, "\(lines)")
        XCTAssertEqual(second.arrays, true)
        for run in second.runs.dropFirst() {
            for input in ["a", "b", "c"] {
                XCTAssertTrue(run.artifacts.contains { $0.input == input && $0.kind == "array" }, "\(run.name) \(input)")
            }
        }
        for path in arrayPaths(second) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + path).path), path)
        }
    }

    func testARerunWithoutArraysReusesTheImagesAndDropsTheArrays() throws {
        _ = try imageFolder()
        let (first, _) = try run(try config(arrays: true))
        let arrays = arrayPaths(first)
        XCTAssertFalse(arrays.isEmpty)

        let (second, lines) = try run(try config(arrays: false))
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 3 input(s)") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("input(s) in batches") }, "nothing recomputed: \(lines)")
        XCTAssertEqual(second.arrays, false)
        XCTAssertEqual(arrayPaths(second), [])
        let images = { (manifest: Manifest) in
            manifest.runs.dropFirst().map { $0.artifacts.filter { $0.kind == "image" && $0.input != nil } }
        }
        XCTAssertEqual(images(second), images(first), "the same image records, files kept in place")
        for path in arrays {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + path).path), path)
        }
        for artifact in second.runs.flatMap(\.artifacts) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + artifact.path).path), artifact.path)
        }
    }

    func testAnInterruptedRunKeepsItsFinishedBatchesAndResumes() throws {
        let images = try imageFolder(["a.jpg", "b.jpg"])
        let broken = images.appendingPathComponent("c.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]).write(to: broken)
        let config = try config()
        XCTAssertNotNil(runError(config))
        let manifestURL = folder.appendingPathComponent("out/manifest.json")
        let partial = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
        XCTAssertEqual(partial.complete, false)
        XCTAssertEqual(partial.inputs, [], "an unfinished run's records are in the journal")
        var journaled: [String] = []
        try Journal.forEachEntry(at: folder.appendingPathComponent("out/" + Journal.fileName)) { entry, _ in
            if let input = entry.input { journaled.append(input.id) }
        }
        XCTAssertEqual(journaled, ["a", "b"], "the batches finished before the failure")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/report.html").path))

        try FileManager.default.removeItem(at: broken)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.demoImage), to: broken)
        let (resumed, lines) = try run(config)
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 2 input(s)") }, "\(lines)")
        XCTAssertEqual(resumed.inputs.map(\.id), ["a", "b", "c"])
        XCTAssertEqual(resumed.complete, true)
    }

    func testShardsMergeIntoWhatOneRunWrites() throws {
        _ = try imageFolder()
        let config = try config()
        let (whole, _) = try run(config)
        let (part0, _) = try run(config, shard: Manifest.Shard(index: 0, count: 2), output: "shard0")
        let (part1, _) = try run(config, shard: Manifest.Shard(index: 1, count: 2), output: "shard1")
        XCTAssertEqual(part0.inputs.map(\.id), ["a"])
        XCTAssertEqual(part1.inputs.map(\.id), ["b", "c"])
        XCTAssertTrue(part1.runs[0].artifacts.isEmpty, "input-free runs run on shard 0 only")

        let merged = try ShardMerge.merge([folder.appendingPathComponent("shard1").path, folder.appendingPathComponent("shard0").path],
                                          into: folder.appendingPathComponent("merged").path).manifest()
        XCTAssertEqual(merged.inputs.map(\.id), whole.inputs.map(\.id))
        XCTAssertEqual(merged.runs.map { $0.artifacts.map(\.path) }, whole.runs.map { $0.artifacts.map(\.path) })
        XCTAssertEqual(merged.runs[2].predictions, whole.runs[2].predictions)
        for artifact in merged.runs.flatMap(\.artifacts) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged/" + artifact.path).path))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged/report.html").path))

        XCTAssertThrowsError(try ShardMerge.merge([folder.appendingPathComponent("shard0").path],
                                                  into: folder.appendingPathComponent("half").path)) { error in
            XCTAssertTrue((error as? VizError)?.message.contains("missing shard(s) 1") ?? false, "\(error)")
        }
    }

    func testShardsAreContiguousAndCoverEveryInput() {
        for total in [0, 1, 5, 300] {
            for count in [1, 2, 3, 7] {
                let ranges = (0..<count).map { Manifest.Shard(index: $0, count: count).range(of: total) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<total), "\(total) in \(count)")
            }
        }
        XCTAssertNil(Manifest.Shard("2/2"))
        XCTAssertNil(Manifest.Shard("1"))
        XCTAssertEqual(Manifest.Shard("1/4"), Manifest.Shard(index: 1, count: 4))
    }
}
