import Foundation
import XCTest

/// The vizrun command, which `swift build --build-tests` puts beside the test bundle.
public enum VizrunCommand {
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vizrun")
    }

    /// Runs the command and returns its exit status and everything it wrote. Both streams go to
    /// files: reading one pipe to its end while the command fills the other one would deadlock.
    public static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail(
                "build the command first (`swift build --build-tests`): \(executable.path) is missing", file: file, line: line)
            return (-1, "", "")
        }
        let streams = ["stdout", "stderr"].map {
            FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-\($0)-\(UUID().uuidString)")
        }
        defer { for url in streams { try? FileManager.default.removeItem(at: url) } }
        for url in streams { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handles = try streams.map { try FileHandle(forWritingTo: $0) }
        defer { for handle in handles { try? handle.close() } }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        try process.run()
        process.waitUntilExit()
        let (stdout, stderr) = try (Data(contentsOf: streams[0]), Data(contentsOf: streams[1]))
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
