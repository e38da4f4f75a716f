import Foundation
import VizCore
import XCTest

final class FileWritingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-writing-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: folder) }

    func testWritesTheBytesAndReplacesALongerFile() throws {
        let path = folder.appendingPathComponent("a.bin").path
        try FileWriting.write(Data((0..<200_000).map { UInt8($0 % 251) }), toFile: path)
        try FileWriting.write(Data([1, 2, 3]), toFile: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([1, 2, 3]))
        try FileWriting.write(Data(), toFile: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0)
    }

    func testFailuresGiveTheSystemsReason() {
        for (path, reason) in [
            (folder.appendingPathComponent("missing/a.bin").path, "No such file or directory"),
            (folder.path, "Is a directory"),
            ("/dev/full", "No space left on device"),
        ] {
            XCTAssertThrowsError(try FileWriting.write(Data(repeating: 7, count: 1 << 16), toFile: path), path) { error in
                XCTAssertEqual(error.localizedDescription, reason, path)
            }
        }
    }
}
