import Foundation
import VizTesting
import XCTest

/// Tests that run the built `vizrun` command on the demo model (Configs/models) in a folder of their own.
class DemoCommandTestCase: XCTestCase {
    var folder: URL!
    static let repository = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-gradcam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `config.yaml` in the folder: the demo model on `images` (Configs/images) at 150x150, `runs`
    /// from line 11 (12 and on with a `batch_size`), writing to `out`.
    func config(runs: String, images: [String] = ["chelsea.jpg"], batchSize: Int? = nil) throws -> String {
        let models = Self.repository.appendingPathComponent("Configs/models").path
        let paths = images.map { Self.repository.appendingPathComponent("Configs/images/\($0)").path }
        let text = """
            model:
              path: \(models)/scenes_convnet.h5
              labels: \(models)/scenes_convnet.labels.txt
            input:
              images: [\(paths.joined(separator: ", "))]
              size: [150, 150]
              scale: 1/255
            """ + (batchSize.map { "\n  batch_size: \($0)" } ?? "") + """

                output:
                  dir: out
                runs:
                \(runs)
                """
        let path = folder.appendingPathComponent("config.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `runs` and checks the first line of the refusal: `message` at line `line`, the column of
    /// `at` in the last line of `runs`; status 1 and nothing written.
    func assertRefused(
        runs: String, line: Int, at: String, _ message: String, file: StaticString = #filePath, lineNumber: UInt = #line
    )
        throws
    {
        let path = try config(runs: runs)
        let last = String(runs.split(separator: "\n").last ?? "")
        let column =
            last.distance(from: last.startIndex, to: try XCTUnwrap(last.range(of: at), file: file, line: lineNumber).lowerBound)
            + 1
        let result = try VizrunCommand.run([path])
        XCTAssertEqual(result.status, 1, runs, file: file, line: lineNumber)
        let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertEqual(first, "vizrun: \(path):\(line):\(column): error: \(message)", runs, file: file, line: lineNumber)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written", file: file,
            line: lineNumber)
    }
}
