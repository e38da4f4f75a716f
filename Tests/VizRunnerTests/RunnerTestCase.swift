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

    /// `swift build --build-tests` puts the command beside the test bundle.
    var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vizrun")
    }

    func vizrun(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("build the command first (`swift build --build-tests`): \(executable.path) is missing")
            return (-1, "", "")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
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
