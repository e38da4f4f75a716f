import Foundation
import VizCore
import XCTest

@testable import VizRunner

/// Reruns reuse complete results, shards split the inputs, and `merge` puts them back together.
final class ResumeAndShardTests: RunnerTestCase {
    private func imageFolder(_ names: [String] = ["a.jpg", "b.png", "c.jpg"]) throws {
        try photoFolder(names)
    }

    private func config(output: String = "out", arrays: Bool = true) throws -> String {
        try multiInputConfig(output: output, arrays: arrays)
    }

    private func run(_ config: String, shard: Manifest.Shard? = nil, output: String? = nil) throws -> (Manifest, [String]) {
        var lines: [String] = []
        let manifest = try Runner(registry: .builtins(), log: { lines.append($0) })
            .run(configAt: config, outputDirectory: output.map { folder.appendingPathComponent($0).path }, shard: shard)
            .manifest()
        return (manifest, lines)
    }

    func testARerunReusesCompleteInputsAndRedoesTheOthers() throws {
        try imageFolder()
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
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + artifact.path).path), artifact.path)
        }
        try assertEachInputMatchesItsOwnRun(second, output: "out")
    }

    /// An output an older vizrun wrote has no journal: its manifest says what it holds.
    func testAnOutputWithoutAJournalResumesFromItsManifest() throws {
        try imageFolder()
        let config = try config()
        let (first, _) = try run(config)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out/" + Journal.fileName))
        let (second, lines) = try run(config)
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 3 input(s)") }, "\(lines)")
        XCTAssertEqual(second.inputs, first.inputs)
        XCTAssertEqual(second.runs.map { $0.artifacts.map(\.path) }, first.runs.map { $0.artifacts.map(\.path) })
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + Journal.fileName).path))
        try assertEachInputMatchesItsOwnRun(second, output: "out")
    }

    private func arrayPaths(_ manifest: Manifest) -> [String] {
        manifest.runs.flatMap(\.artifacts).filter { $0.kind == "array" && $0.input != nil }.map(\.path)
    }

    func testARerunThatWantsArraysRecomputesInputsWrittenWithout() throws {
        try imageFolder()
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
        try assertEachInputMatchesItsOwnRun(second, output: "out")
    }

    func testARerunWithoutArraysReusesTheImagesAndDropsTheArrays() throws {
        try imageFolder()
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
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/" + artifact.path).path), artifact.path)
        }
    }

    func testAnInterruptedRunKeepsItsFinishedBatchesAndResumes() throws {
        try imageFolder(["a.jpg", "b.png"])
        let broken = folder.appendingPathComponent("images/c.jpg")
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
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.distinctPhotos[2]), to: broken)
        let (resumed, lines) = try run(config)
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 2 input(s)") }, "\(lines)")
        XCTAssertEqual(resumed.inputs.map(\.id), ["a", "b", "c"])
        XCTAssertEqual(resumed.complete, true)
        try assertEachInputMatchesItsOwnRun(resumed, output: "out")
    }

    func testShardsMergeIntoWhatOneRunWrites() throws {
        try imageFolder()
        let config = try config()
        let (whole, _) = try run(config)
        let (part0, _) = try run(config, shard: Manifest.Shard(index: 0, count: 2), output: "shard0")
        let (part1, _) = try run(config, shard: Manifest.Shard(index: 1, count: 2), output: "shard1")
        XCTAssertEqual(part0.inputs.map(\.id), ["a"])
        XCTAssertEqual(part1.inputs.map(\.id), ["b", "c"])
        XCTAssertTrue(part1.runs[0].artifacts.isEmpty, "input-free runs run on shard 0 only")

        let merged = try ShardMerge.merge(
            [folder.appendingPathComponent("shard1").path, folder.appendingPathComponent("shard0").path],
            into: folder.appendingPathComponent("merged").path
        ).manifest()
        XCTAssertEqual(merged.inputs.map(\.id), whole.inputs.map(\.id))
        XCTAssertEqual(merged.runs.map { $0.artifacts.map(\.path) }, whole.runs.map { $0.artifacts.map(\.path) })
        XCTAssertEqual(merged.runs[2].predictions, whole.runs[2].predictions)
        for artifact in merged.runs.flatMap(\.artifacts) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged/" + artifact.path).path))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged/report.html").path))
        try assertEachInputMatchesItsOwnRun(merged, output: "merged")
        let chelsea = try XCTUnwrap(merged.runs[1].artifacts.first { $0.input == "a" && $0.role == "activation" })
        try assertConv2DOfChelseaMatchesKeras("merged/" + chelsea.path)

        XCTAssertThrowsError(
            try ShardMerge.merge(
                [folder.appendingPathComponent("shard0").path],
                into: folder.appendingPathComponent("half").path)
        ) { error in
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
