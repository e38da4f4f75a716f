import Foundation
import VizCore
import XCTest

@testable import VizRunner

final class OutputFolderTests: RunnerTestCase {
    /// Lists `artifacts` (of no input) as one run's and commits the folder.
    private func commit(_ output: OutputFolder, artifacts: [ArtifactRecord]) throws {
        let header = Manifest(
            vizrun: Runner.version, model: .init(path: "m.h5", loader: "hdf5", layers: 1, inputShape: [2]),
            inputs: [], runs: [.init(name: "run", visualizer: "test", seconds: 0, artifacts: [])])
        let journal = try OutputJournal(folder: output, header: header, registry: .builtins())
        let entry = Journal.Entry(input: nil, runs: [Journal.Results(artifacts: artifacts)])
        let lines = try journal.checkpoint([entry], placing: output.takeStagedFiles())
        try journal.summary.add(entry, line: lines[0].text)
        _ = try journal.close(header: header, order: lines.map(\.range), aggregates: try journal.summary.writeAggregates())
    }

    /// Names from a model (`/`, `:`, `..`) never lead a file out of the output folder.
    func testHostileNamesStayInsideTheOutputFolder() throws {
        let root = folder.appendingPathComponent("out")
        let output = try OutputFolder(path: root.path, force: false)
        let sink = RunSink(folder: output, runName: SafeName.component("../run"), wantsArrays: true)
        // The last path is longer than a file name may be, though each component is not.
        let names: [[String]] = [
            ["..", "..", "escape"], ["/etc/passwd"], ["a:b", "c/d"], [".hidden"], ["a_b", "c_d"],
            [String(repeating: "a", count: 200), String(repeating: "b", count: 200)],
        ]
        for name in names {
            try sink.add(Artifact(role: "activation", name: name), array: Tensor(shape: [1, 2], scalars: [1, 2]))
        }
        try commit(output, artifacts: sink.records)
        XCTAssertEqual(Set(sink.records.map(\.path)).count, names.count, "distinct names must get distinct files")
        let everything = FileManager.default.enumerator(atPath: folder.path)!.allObjects as! [String]
        for path in everything where !path.hasPrefix("out") {
            XCTFail("wrote outside the output folder: \(path)")
        }
        for record in sink.records {
            let url = root.appendingPathComponent(record.path).standardizedFileURL
            XCTAssertTrue(url.path.hasPrefix(root.path + "/"), record.path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), record.path)
        }
    }

    func testNonFiniteResultsAreRefusedBeforeAnythingIsWritten() throws {
        let root = folder.appendingPathComponent("out")
        let output = try OutputFolder(path: root.path, force: false)
        let sink = RunSink(folder: output, runName: "run", wantsArrays: true)
        for value in [Float.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(
                try sink.add(
                    Artifact(role: "activation", name: ["layer", "x"]),
                    array: Tensor(shape: [2], scalars: [1, value]))
            ) { error in
                XCTAssertEqual((error as? VizError)?.message, "the result holds NaN or infinite values; nothing was written")
                XCTAssertEqual((error as? VizError)?.location, "run/layer/x")
            }
        }
        // Looked at before the discard, which would delete the folder whatever it held.
        XCTAssertEqual(files(under: root), [], "nothing was written")
        XCTAssertEqual(sink.records, [])
        output.discard()
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path))
    }

    /// Images are encoded together when the batch is drained: each lands at its reserved path with
    /// its own pixels.
    func testImagesAreWrittenWhenDrained() throws {
        let root = folder.appendingPathComponent("out")
        let output = try OutputFolder(path: root.path, force: false)
        let sink = RunSink(folder: output, runName: "run", wantsArrays: false)
        let bitmaps = (0..<20).map { Bitmap(width: 3 + $0, height: 2, channels: $0 % 2 == 0 ? 1 : 3, filledWith: UInt8($0 * 10)) }
        for (index, bitmap) in bitmaps.enumerated() {
            try sink.add(Artifact(role: "grid", name: ["grid\(index)"]), image: bitmap)
        }
        let drained = try sink.drain()
        try commit(output, artifacts: drained.artifacts)
        XCTAssertEqual(drained.artifacts.count, bitmaps.count)
        for (record, bitmap) in zip(drained.artifacts, bitmaps) {
            let decoded = try Bitmap(encodedImage: Data(contentsOf: root.appendingPathComponent(record.path)))
            XCTAssertEqual(decoded.pixels.first, bitmap.pixels.first, record.path)
            XCTAssertEqual([decoded.width, decoded.height], [bitmap.width, bitmap.height], record.path)
        }
    }

    /// A checkpoint runs in the background while the next batch is computed: the first error
    /// there skips what was handed over after it, and is thrown by the next `settle`.
    func testBackgroundWorkStopsAtItsFirstErrorWhichTheNextSettleThrows() throws {
        let output = try OutputFolder(path: folder.appendingPathComponent("out").path, force: false)
        let ran = NSLock()
        var steps: [String] = []
        output.inBackground { ran.withLock { steps.append("first") } }
        output.inBackground { throw VizError("cannot write: No space left on device", at: "out/run/x.png") }
        output.inBackground { ran.withLock { steps.append("after the error") } }
        XCTAssertThrowsError(try output.settle()) { error in
            XCTAssertEqual((error as? VizError)?.message, "cannot write: No space left on device")
            XCTAssertEqual((error as? VizError)?.location, "out/run/x.png")
        }
        XCTAssertEqual(ran.withLock { steps }, ["first"])
        output.discard()
    }

    /// A result that cannot be moved into place (a file has its folder's name) fails the
    /// checkpoint with the reason and the result's path, whichever thread placing files meets it.
    func testAResultThatCannotBeMovedIntoPlaceIsRefusedWithItsPath() throws {
        let root = folder.appendingPathComponent("out")
        let output = try OutputFolder(path: root.path, force: false)
        XCTAssertTrue(FileManager.default.createFile(atPath: root.appendingPathComponent("blocked").path, contents: nil))
        for index in 0..<100 {
            try output.write(Data([UInt8(index)]), to: output.reservePath(["run", "layer\(index)", "grid"], ext: ".png"))
        }
        try output.write(Data([1]), to: output.reservePath(["blocked", "grid"], ext: ".png"))
        XCTAssertThrowsError(try output.place(output.takeStagedFiles())) { error in
            XCTAssertEqual((error as? VizError)?.message, "cannot move the result into place: Not a directory")
            XCTAssertEqual((error as? VizError)?.location, root.appendingPathComponent("blocked/grid.png").path)
        }
        output.discard()
    }

    /// `settle(upTo:)` waits for that work and the work before it, not for the work handed over
    /// after it: the aggregates write their files while the last batch is listed.
    func testSettlingUpToAPieceOfBackgroundWorkLeavesTheWorkAfterItRunning() throws {
        let output = try OutputFolder(path: folder.appendingPathComponent("out").path, force: false)
        let ran = NSLock()
        var steps: [String] = []
        let release = DispatchSemaphore(value: 0)
        output.inBackground { ran.withLock { steps.append("first") } }
        let second = output.inBackground { ran.withLock { steps.append("second") } }
        output.inBackground {
            _ = release.wait(timeout: .now() + 10)
            ran.withLock { steps.append("third") }
        }
        try output.settle(upTo: second)
        XCTAssertEqual(ran.withLock { steps }, ["first", "second"])
        release.signal()
        try output.settle()
        XCTAssertEqual(ran.withLock { steps }, ["first", "second", "third"])
        output.discard()
    }
}
