import Foundation
import VizTesting
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `vizrun serve` as a user runs it: it prints the URL, answers there, and stops on Ctrl-C; a bad
/// argument is one line on stderr and exit status 1 (or ArgumentParser's usage error).
final class ServeCommandTests: ServeTestCase {
    func testServesAtThePrintedURLUntilInterrupted() async throws {
        let model = Self.repository.appendingPathComponent("Configs/models/scenes_convnet.h5").path
        let process = Process()
        process.executableURL = VizrunCommand.executable
        process.arguments = [
            "serve", model, "--images", Self.images, "--port", "0", "--uploads", folder.appendingPathComponent("up").path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The first line names the URL once the port is bound.
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            printed += chunk
        }
        let line = String(decoding: printed, as: UTF8.self)
        XCTAssertTrue(line.hasPrefix("vizrun: serving \(model) at http://127.0.0.1:"), line)
        let url = try XCTUnwrap(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        let page = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(page.contains("<td>Dense</td><td>(None, 8)</td><td>520</td>"), page)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testBadArgumentsAreOneLineAndStatusOne() throws {
        let missing = folder.appendingPathComponent("missing.h5").path
        let model = Self.repository.appendingPathComponent("Configs/models/scenes_convnet.h5").path
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for (arguments, message) in [
            (["serve", missing], "vizrun: \(missing): error: no such model file\n"),
            (["serve", model, "--images", missing], "vizrun: \(missing): error: no such folder\n"),
            (
                ["serve", model, "--images", empty.path],
                "vizrun: \(empty.path): error: the folder holds no .jpg, .jpeg, .png or .npy file\n"
            ),
            (["serve", model, "--labels", missing], "vizrun: \(missing): error: no such labels file\n"),
        ] {
            let result = try VizrunCommand.run(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertEqual(result.stderr, message)
            XCTAssertEqual(result.stdout, "")
        }
        for (arguments, message) in [
            (["serve"], "name a model file, or a config with --config"),
            (["serve", model, "--port", "70000"], "--port takes 0 to 65535, got 70000"),
        ] {
            let result = try VizrunCommand.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("Error: \(message)"), result.stderr)
        }
    }
}
