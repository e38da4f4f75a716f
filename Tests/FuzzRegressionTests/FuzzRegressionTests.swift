import Foundation
import FuzzReaders
import VizCore
import VizTesting
import XCTest

/// Replays the inputs the fuzz targets found (Tests/Fixtures/fuzz/<reader>/<name>) through the same
/// readers, without libFuzzer: each must now be refused with the one-line error its
/// `<name>.expected` holds a part of (or one of its lines' parts, where what libhdf5 does with the
/// file depends on the process's memory layout). A crash would end the test run.
final class FuzzRegressionTests: XCTestCase {
    private let root = URL(fileURLWithPath: Fixtures.path("fuzz"))

    /// The inputs found by the fuzz target `reader`, each with the parts of the error it may give.
    private func inputs(of reader: String) throws -> [(name: String, data: Data, expected: [String])] {
        let folder = root.appendingPathComponent(reader)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasSuffix(".expected") }.sorted()
        return try names.map { name in
            let expected = try String(contentsOf: folder.appendingPathComponent(name + ".expected"), encoding: .utf8)
            let parts = expected.split(separator: "\n").map(String.init)
            return (name, try Data(contentsOf: folder.appendingPathComponent(name)), parts)
        }
    }

    func testEveryInputTheFuzzersFoundIsRefusedWithItsMessage() throws {
        var replayed = 0
        for reader in FuzzReader.all {
            let found = try inputs(of: reader.name)
            guard !found.isEmpty else { continue }
            let workspace = try Workspace(fixtures: Fixtures.root)
            defer { workspace.removeAll() }
            let read = try reader.reader(in: workspace)
            for (name, input, expected) in found {
                let messages = vizErrors { try read(input) }.map(\.description)
                XCTAssertEqual(messages.count, 1, "\(reader.name)/\(name): \(messages)")
                for message in messages {
                    XCTAssertTrue(expected.contains { message.contains($0) }, "\(reader.name)/\(name): \(message)")
                    XCTAssertFalse(message.contains("\n"), "\(reader.name)/\(name): \(message)")
                }
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no inputs in \(root.path)")
    }

    /// The model files among them, as a user meets them: `vizrun inspect` gives one line and exit
    /// status 1. Each runs a few times at once, because what libhdf5 does with a damaged file can
    /// depend on the process's memory layout: weights_vlen_heap_overrun.keras crashed one run in
    /// three while vizrun read its string attributes in-process.
    func testEveryModelFileTheFuzzersFoundIsOneLineFromTheCommand() throws {
        let runs = 4
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for reader in ["HDF5Model", "KerasArchive"] {
            for (name, input, expected) in try inputs(of: reader) {
                let path = folder.appendingPathComponent(name).path
                try input.write(to: URL(fileURLWithPath: path))
                let lock = NSLock()
                var results: [(status: Int32, stdout: String, stderr: String)] = []
                DispatchQueue.concurrentPerform(iterations: runs) { _ in
                    let result = try? VizrunCommand.run(["inspect", path])
                    lock.withLock { results += result.map { [$0] } ?? [] }
                }
                XCTAssertEqual(results.count, runs, "\(reader)/\(name): the command did not run")
                for result in results {
                    XCTAssertEqual(result.status, 1, "\(reader)/\(name): \(result.stderr)")
                    XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path)"), "\(reader)/\(name): \(result.stderr)")
                    XCTAssertTrue(expected.contains { result.stderr.contains($0) }, "\(reader)/\(name): \(result.stderr)")
                    XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "\(reader)/\(name): \(result.stderr)")
                }
            }
        }
    }

    /// A damaged file cannot make the command take the machine's memory: libhdf5's walk of
    /// walk_memory_runaway.h5 took 7.6 GB in 5 s before the probe's child had a limit. The peak is
    /// the largest of vizrun and the child it waited for (wait4's rusage).
    func testADamagedFileCannotTakeTheMachinesMemory() throws {
        let path = root.appendingPathComponent("HDF5Model/walk_memory_runaway.h5").path
        let command = VizrunCommand.executable.path
        let arguments = [command, "inspect", path]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var child: pid_t = 0
        XCTAssertEqual(posix_spawn(&child, command, &actions, nil, &argv, environ), 0)
        var status: Int32 = 0
        var usage = rusage()
        XCTAssertEqual(wait4(child, &status, 0, &usage), child)
        XCTAssertEqual(status >> 8, 1, "exit status")
        XCTAssertLessThan(usage.ru_maxrss, 2 << 20, "peak resident memory in KB")
    }
}
