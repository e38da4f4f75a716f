import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// A temporary folder per test, and helpers to write configs into it.
class RunnerTestCase: XCTestCase {
    var folder: URL!

    static let repository = URL(fileURLWithPath: Fixtures.root.path).deletingLastPathComponent().deletingLastPathComponent()
    static let demoModel = repository.appendingPathComponent("Configs/models/scenes_convnet.h5").path
    static let demoImage = repository.appendingPathComponent("Configs/images/chelsea.jpg").path

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes `text` as `name` in the test folder and returns its path.
    @discardableResult
    func write(_ text: String, to name: String = "config.yaml") throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A config over the demo model and image with the given runs section.
    func demoConfig(runs: String, extraInput: String = "", output: String = "out") -> String {
        """
        model: \(Self.demoModel)
        input:
          images: [\(Self.demoImage)]
          scale: 1/255\(extraInput)
        output:
          dir: \(output)
        runs:
        \(runs)
        """
    }

    /// Runs the config and returns the error it must raise.
    func runError(_ path: String, force: Bool = false, file: StaticString = #filePath, line: UInt = #line) -> VizError? {
        do {
            try Runner(registry: .builtins()).run(configAt: path, force: force)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as VizError {
            return error
        } catch {
            XCTFail("expected a VizError, got \(error)", file: file, line: line)
            return nil
        }
    }
}
