import Foundation
import VizCore
import VizTesting
import XCTest

/// A test case with its own temporary folder, removed after each test, and the error assertion
/// the loader tests share.
open class TemporaryFilesTestCase: XCTestCase {
    private var folder: URL!
    private var copies = 0

    override open func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-hdf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override open func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    public func temporaryPath(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    /// A writable copy of a fixture's model file, under a new name each time.
    public func copyOfFixtureModel(_ reference: FixtureReference) throws -> String {
        copies += 1
        let copy = temporaryPath("model-\(copies).h5")
        try FileManager.default.copyItem(atPath: reference.modelPath, toPath: copy)
        return copy
    }

    /// Fails unless `expression` throws a one-line `VizError` located at `location` whose message
    /// contains every fragment.
    public func assertVizError<T>(
        _ expression: @autoclosure () throws -> T, at location: String, _ fragments: String...,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try expression()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch let error as VizError {
            XCTAssertEqual(error.location, location, file: file, line: line)
            XCTAssertFalse(error.message.contains("\n"), "not one line: \(error.message)", file: file, line: line)
            for fragment in fragments where !error.message.contains(fragment) {
                XCTFail("'\(error.message)' does not contain '\(fragment)'", file: file, line: line)
            }
        } catch {
            XCTFail("expected a VizError, got \(error)", file: file, line: line)
        }
    }

    /// Fails unless `vizrun inspect path` (the command, as a user meets a model file) prints exactly
    /// `vizrun: <path>: error: <message>` and exits with status 1.
    public func assertInspectRefuses(
        _ path: String, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try VizrunCommand.run(["inspect", path], file: file, line: line)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "vizrun: \(path): error: \(message)\n", file: file, line: line)
    }
}
