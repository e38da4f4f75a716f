import Foundation
import Hummingbird
import NIOCore
import VizCore
import VizRunner
import VizTesting
import XCTest

@testable import VizServe

/// The demo convnet served with the seed config's inputs and preprocessing, uploads going to a
/// temporary folder of the test's own.
class ServeTestCase: XCTestCase {
    var folder: URL!

    static let repository = URL(fileURLWithPath: Fixtures.root.path).deletingLastPathComponent().deletingLastPathComponent()
    static let seedConfig = repository.appendingPathComponent("Configs/seed.yaml").path
    static let images = repository.appendingPathComponent("Configs/images").path

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-serve-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func makeExplorer() throws -> Explorer {
        try Explorer(
            modelPath: nil, configPath: Self.seedConfig, imagesFolder: Self.images, registry: .builtins(),
            uploadFolder: folder.appendingPathComponent("uploads"))
    }

    /// Runs `body` with a client of `vizrun serve`'s server for the explorer, live on a free port.
    func withClient(
        _ explorer: Explorer? = nil, _ body: @escaping @Sendable (LoopbackClient) async throws -> Void
    ) async throws {
        try await LoopbackClient.serving(try explorer ?? makeExplorer(), body)
    }
}

/// A refusal: `status`, and a body of exactly one line containing `message`.
func assertRefusal(
    _ response: LoopbackClient.Response, _ status: HTTPResponse.Status, _ message: String, file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(response.status, status, response.text, file: file, line: line)
    XCTAssertEqual(response.contentType, "text/plain; charset=utf-8", file: file, line: line)
    XCTAssertTrue(response.text.hasSuffix("\n"), response.text, file: file, line: line)
    XCTAssertEqual(response.text.filter { $0 == "\n" }.count, 1, response.text, file: file, line: line)
    XCTAssertTrue(response.text.contains(message), "'\(response.text)' lacks '\(message)'", file: file, line: line)
}

/// A query value percent-encoded for a URI.
func encoded(_ text: String) -> String {
    text.addingPercentEncoding(
        withAllowedCharacters: CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? ""
}
