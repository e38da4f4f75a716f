import Foundation
import VizCore
import VizTesting
import XCTest

@testable import VizRunner

/// Runs of the built command that are killed, interrupted or run out of disk part-way: each leaves
/// a folder the same command resumes from, and the resumed output is what an uninterrupted run
/// writes. A full disk or a signal is one line on stderr and a non-zero status.
final class InterruptionTests: RunnerTestCase {
    /// Enough inputs that the command is still running when the first one is journaled.
    private static let inputCount = 30

    override func setUpWithError() throws {
        try super.setUpWithError()
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for index in 0..<Self.inputCount {
            let photo = Self.distinctPhotos[index % Self.distinctPhotos.count]
            let name = String(format: "%02d", index) + "." + URL(fileURLWithPath: photo).pathExtension
            try FileManager.default.copyItem(at: URL(fileURLWithPath: photo), to: images.appendingPathComponent(name))
        }
        try write(
            """
            model: \(Self.demoModel)
            input:
              images: [images]
              scale: 1/255
              batch_size: 1
            output:
              dir: out
              arrays: true
            runs:
              - visualizer: activations
                layers: [max_pooling2d]
              - visualizer: gradcam
            """)
    }

    private var config: String { folder.appendingPathComponent("config.yaml").path }

    private func output(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// The command on the config, writing to `name`.
    private func command(_ name: String) -> [String] { ["--quiet", config, "--output", output(name).path] }

    /// Starts `executable` (the command by default) with its stderr in a file of the test folder.
    private func start(_ arguments: [String], executable: URL = VizrunCommand.executable) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stderr = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return (process, stderr)
    }

    /// Starts the command writing to `name` and returns it once its journal lists at least one input.
    private func startAndWaitForAJournaledInput(_ name: String) throws -> (process: Process, stderr: URL) {
        let (process, stderr) = try start(command(name))
        let journal = output(name).appendingPathComponent(Journal.fileName)
        while process.isRunning, ((try? String(contentsOf: journal, encoding: .utf8)) ?? "").split(separator: "\n").count < 2 {
            usleep(2000)
        }
        XCTAssertTrue(process.isRunning, "the run finished before it could be interrupted; give it more inputs")
        return (process, stderr)
    }

    /// Waits for `process` and returns its status and what it wrote to `stderr`.
    private func finish(_ process: Process, _ stderr: URL) throws -> (status: Int32, stderr: String) {
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: stderr, encoding: .utf8))
    }

    /// Fails unless the output folder `name` lists what `reference` lists, in the same files with the same bytes.
    private func assertSameOutput(_ name: String, as reference: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        func manifest(_ name: String) throws -> Manifest {
            try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: output(name).appendingPathComponent("manifest.json")))
        }
        let (written, expected) = (try manifest(name), try manifest(reference))
        XCTAssertEqual(written.complete, true, file: file, line: line)
        XCTAssertEqual(written.inputs.count, Self.inputCount, file: file, line: line)
        XCTAssertEqual(written.inputs, expected.inputs, file: file, line: line)
        XCTAssertEqual(written.runs.map(\.artifacts), expected.runs.map(\.artifacts), file: file, line: line)
        XCTAssertEqual(written.runs.map(\.predictions), expected.runs.map(\.predictions), file: file, line: line)
        for path in written.inputs.compactMap(\.image) + written.runs.flatMap(\.artifacts).map(\.path) {
            let bytes = try Data(contentsOf: output(name).appendingPathComponent(path))
            XCTAssertEqual(
                bytes, try Data(contentsOf: output(reference).appendingPathComponent(path)), path, file: file, line: line)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: output(name).path).filter {
            $0.hasPrefix(".vizrun-staging")
        }
        XCTAssertEqual(leftovers, [], "staging folders left", file: file, line: line)
    }

    /// Every line of the journal left behind is a record, but for a last line cut short; the manifest, if
    /// any, is whole JSON that says the run is not complete.
    private func assertResumable(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let root = output(name)
        let previous = try XCTUnwrap(OutputFolder.previousRun(in: root), "nothing to resume from", file: file, line: line)
        XCTAssertNotEqual(previous.header.complete, true, file: file, line: line)
        var entries = 0
        try previous.entries { entry in
            entries += 1
            for path in entry.paths {
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path), path, file: file, line: line)
            }
        }
        XCTAssertLessThan(entries, Self.inputCount, file: file, line: line)
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: root.appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.complete, false, file: file, line: line)
    }

    private func resume(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let resumed = try VizrunCommand.run(command(name).filter { $0 != "--quiet" })
        XCTAssertEqual(resumed.status, 0, resumed.stderr, file: file, line: line)
        XCTAssertTrue(resumed.stderr.contains("reusing the complete results of"), resumed.stderr, file: file, line: line)
        try assertSameOutput(name, as: "whole", file: file, line: line)
    }

    private func runWhole() throws {
        let whole = try VizrunCommand.run(command("whole"))
        XCTAssertEqual(whole.status, 0, whole.stderr)
    }

    func testARunKilledMidwayResumesToTheOutputOfAnUninterruptedRun() throws {
        try runWhole()
        let (process, _) = try startAndWaitForAJournaledInput("killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        try assertResumable("killed")
        try resume("killed")
    }

    func testSIGINTAndSIGTERMStopBetweenBatchesWithOneLineAndTheRunResumes() throws {
        try runWhole()
        for (signal, name, status) in [(SIGINT, "SIGINT", Int32(130)), (SIGTERM, "SIGTERM", 143)] {
            let (process, stderr) = try startAndWaitForAJournaledInput(name)
            kill(process.processIdentifier, signal)
            let stopped = try finish(process, stderr)
            XCTAssertEqual(stopped.status, status, stopped.stderr)
            XCTAssertEqual(stopped.stderr.split(separator: "\n").count, 1, stopped.stderr)
            XCTAssertTrue(
                stopped.stderr.hasPrefix("vizrun: \(output(name).path): error: stopped by \(name) with "), stopped.stderr)
            XCTAssertTrue(
                stopped.stderr.hasSuffix(
                    " of \(Self.inputCount) input(s) done; they are kept for the same command to resume from\n"),
                stopped.stderr)
            try assertResumable(name)
            try resume(name)
        }
    }

    func testASecondSIGINTStopsAtOnceAndTheRunStillResumes() throws {
        try runWhole()
        let (process, stderr) = try startAndWaitForAJournaledInput("twice")
        kill(process.processIdentifier, SIGINT)
        usleep(1000)
        kill(process.processIdentifier, SIGINT)
        XCTAssertEqual(try finish(process, stderr).status, 130)
        try assertResumable("twice")
        try resume("twice")
    }

    /// A file size limit (`ulimit -f`, RLIMIT_FSIZE) makes the first array's write fail with EFBIG,
    /// before the run's first checkpoint: the previous complete output is left as it was.
    func testAWriteOverTheFileSizeLimitIsOneLineAndLeavesThePreviousOutputAsItWas() throws {
        let config = try String(contentsOfFile: self.config, encoding: .utf8)
        try write(config.replacingOccurrences(of: "arrays: true", with: "arrays: false"), to: "pictures.yaml")
        let first = try VizrunCommand.run([
            "--quiet", folder.appendingPathComponent("pictures.yaml").path, "--output", output("limited").path,
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try snapshot(of: output("limited"))

        let (process, stderr) = try start(
            ["-c", "ulimit -f 256 && exec \"$0\" \"$@\"", VizrunCommand.executable.path] + command("limited"),
            executable: URL(fileURLWithPath: "/bin/sh"))
        let limited = try finish(process, stderr)
        XCTAssertEqual(limited.status, 1, limited.stderr)
        XCTAssertEqual(limited.stderr.split(separator: "\n").count, 1, limited.stderr)
        XCTAssertTrue(limited.stderr.hasPrefix("vizrun: \(output("limited").path)/activations/"), limited.stderr)
        XCTAssertTrue(limited.stderr.hasSuffix(".npy: error: cannot write: File too large\n"), limited.stderr)
        XCTAssertEqual(try snapshot(of: output("limited")), before, "the previous output changed")
    }

    /// A full disk (a small tmpfs) part-way through: one line, status 1, the journaled inputs kept;
    /// with room again, the same command resumes to the output of an uninterrupted run.
    func testAFullDiskIsOneLineAndTheRunResumesWhenThereIsRoomAgain() throws {
        let disk = output("full")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard shell("mount -t tmpfs -o size=6m vizrun-test '\(disk.path)'") == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (needs root), so there is no small disk to fill")
        }
        defer { _ = shell("umount '\(disk.path)'") }
        try runWhole()
        let full = try VizrunCommand.run(command("full"))
        XCTAssertEqual(full.status, 1, full.stderr)
        XCTAssertEqual(full.stderr.split(separator: "\n").count, 1, full.stderr)
        XCTAssertTrue(full.stderr.hasPrefix("vizrun: \(disk.path)/"), full.stderr)
        XCTAssertTrue(full.stderr.hasSuffix(": No space left on device\n"), full.stderr)
        try assertResumable("full")
        XCTAssertEqual(shell("mount -o remount,size=400m '\(disk.path)'"), 0)
        try resume("full")
    }

    private func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Every file under `root` with its bytes.
    private func snapshot(of root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root.path) ?? .init() {
            let url = root.appendingPathComponent(path)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                files[path] = try Data(contentsOf: url)
            }
        }
        return files
    }
}
