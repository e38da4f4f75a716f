import Foundation
import FuzzReaders
import VizCore
import VizTesting
import XCTest

/// Replays the inputs the fuzz targets found (Tests/Fixtures/fuzz/<reader>/<name>) through the same
/// readers, without libFuzzer: each must now be refused with the one-line error its
/// `<name>.expected` holds a part of. A crash would end the test run.
final class FuzzRegressionTests: XCTestCase {
    func testEveryInputTheFuzzersFoundIsRefusedWithItsMessage() throws {
        let root = URL(fileURLWithPath: Fixtures.path("fuzz"))
        var replayed = 0
        for reader in FuzzReader.all {
            let folder = root.appendingPathComponent(reader.name)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { !$0.hasSuffix(".expected") }.sorted()
            guard !names.isEmpty else { continue }
            let workspace = try Workspace(fixtures: Fixtures.root)
            defer { workspace.removeAll() }
            let read = try reader.reader(in: workspace)
            for name in names {
                let input = try Data(contentsOf: folder.appendingPathComponent(name))
                let expected = try String(contentsOf: folder.appendingPathComponent(name + ".expected"), encoding: .utf8)
                    .trimmingCharacters(in: .newlines)
                let messages = vizErrors { try read(input) }.map(\.description)
                XCTAssertEqual(messages.count, 1, "\(reader.name)/\(name): \(messages)")
                for message in messages {
                    XCTAssertTrue(message.contains(expected), "\(reader.name)/\(name): \(message)")
                    XCTAssertFalse(message.contains("\n"), "\(reader.name)/\(name): \(message)")
                }
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no inputs in \(root.path)")
    }
}
