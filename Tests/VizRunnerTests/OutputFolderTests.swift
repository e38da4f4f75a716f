import Foundation
import VizCore
@testable import VizRunner
import XCTest

final class OutputFolderTests: RunnerTestCase {
    /// Names from a model (`/`, `:`, `..`) never lead a file out of the output folder.
    func testHostileNamesStayInsideTheOutputFolder() throws {
        let root = folder.appendingPathComponent("out")
        let output = try OutputFolder(path: root.path, force: false)
        let sink = RunSink(folder: output, runName: SafeName.component("../run"), wantsArrays: true)
        let names: [[String]] = [["..", "..", "escape"], ["/etc/passwd"], ["a:b", "c/d"], [".hidden"], ["a_b", "c_d"]]
        for name in names {
            try sink.add(Artifact(role: "activation", name: name), array: Tensor(shape: [1, 2], scalars: [1, 2]))
        }
        try output.commit(Manifest(vizrun: Runner.version,
                                   model: .init(path: "m.h5", loader: "hdf5", layers: 1, inputShape: [2]),
                                   inputs: [], runs: [.init(name: "run", visualizer: "test", seconds: 0, artifacts: sink.records)]))
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

    func testNonFiniteResultsAreRefused() throws {
        let output = try OutputFolder(path: folder.appendingPathComponent("out").path, force: false)
        let sink = RunSink(folder: output, runName: "run", wantsArrays: true)
        XCTAssertThrowsError(try sink.add(Artifact(role: "activation", name: ["x"]),
                                          array: Tensor(shape: [2], scalars: [1, .nan])))
        output.discard()
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }
}
