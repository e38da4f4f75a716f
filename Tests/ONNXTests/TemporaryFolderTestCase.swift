import Foundation
import ONNX
import VizCore
import XCTest

/// A test with a fresh temporary folder, for files it writes and then loads as ONNX models.
class TemporaryFolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Writes `data` into the folder; returns its path.
    func write(_ data: Data, _ name: String = "model.onnx") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The `VizError` loading the file at `path` gives, or nil when it loads; any other error fails.
    func loadError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> VizError? {
        do {
            _ = try ONNXModelAssembly.model(try ONNXModelFile(path: path), loaderName: "onnx")
            return nil
        } catch let error as VizError {
            return error
        } catch {
            XCTFail("\(path): not a VizError: \(error)", file: file, line: line)
            return VizError("\(error)")
        }
    }
}
