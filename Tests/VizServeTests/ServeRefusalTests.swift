import Foundation
import Hummingbird
import NIOCore
import XCTest

@testable import VizServe

/// Bad requests get a 4xx and one line saying what is wrong, never a crash, never a file read
/// outside the model, the inputs and the upload folder.
final class ServeRefusalTests: ServeTestCase {
    func testUnknownNamesAndBadParameters() async throws {
        try await withClient { client in
            func refused(_ uri: String, _ status: HTTPResponse.Status, _ message: String, line: UInt = #line) async throws {
                let response = try await client.execute(uri: uri, method: .get)
                assertRefusal(response, status, message, line: line)
            }
            try await refused("/activations/grid.png?input=chelsea&layer=nope", .notFound, "no layer named 'nope'")
            try await refused("/activations/grid.png?input=dog&layer=conv2d", .notFound, "no input named 'dog'")
            try await refused("/activations/grid.png?layer=conv2d", .badRequest, "missing parameter 'input'")
            try await refused(
                "/activations/channel.png?input=chelsea&layer=conv2d_1&channel=64", .badRequest,
                "channel 64 is out of range: layer 'conv2d_1' has 64 channels")
            try await refused(
                "/activations/channel.json?input=chelsea&layer=conv2d&channel=-1", .badRequest,
                "channel -1 is out of range: layer 'conv2d' has 32 channels")
            try await refused(
                "/activations/channel.npy?input=chelsea&layer=conv2d&channel=two", .badRequest,
                "parameter 'channel' must be a whole number, got 'two'")
            try await refused(
                "/activations/channel.png?input=chelsea&layer=dense&channel=0", .badRequest,
                "layer 'dense' has output shape (None, 64): no image channels to draw")
            try await refused(
                "/activations/grid.png?input=chelsea&layer=dense", .badRequest,
                "layer 'dense' has no image-shaped output to draw as a grid")
            try await refused(
                "/attribution.png?input=chelsea&method=magic&class=1", .badRequest, "unknown method 'magic'; choose one of")
            try await refused(
                "/attribution.png?input=chelsea&method=gradcam&layer=dense&class=1", .unprocessableContent,
                "layer 'dense' has output shape (None, 64); Grad-CAM needs a 4-D")
            try await refused(
                "/attribution.png?input=chelsea&method=gradcam&class=-2", .badRequest, "class -2 is out of range")
            try await refused(
                "/attribution.png?input=chelsea&method=vanilla&class=1&picture=overlay", .notFound,
                "no picture 'overlay' for this method; it draws saliency")
            try await refused("/predictions.json?input=chelsea&top=0", .badRequest, "parameter 'top' must be at least 1")
            try await refused("/pattern.png?layer=conv2d&channel=1", .notFound, "is not computed yet")
            try await refused("/filters/99", .notFound, "no filter job '99'")
            try await refused("/?layer=nope", .notFound, "no layer named 'nope'")
            try await refused("/nothing-here", .notFound, "no such page: /nothing-here")
            try await refused("/config.yaml?input=chelsea", .badRequest, "nothing to save")
        }
    }

    /// Names that look like paths are names: nothing outside the served folders is read or written.
    func testPathsWithDotsReadNoFile() async throws {
        try await withClient { client in
            for uri in [
                "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/input.png/../../etc/passwd",
                "/input.png?input=\(encoded("../../../../etc/passwd"))",
                "/input.png?input=\(encoded("../images/chelsea"))",
                "/activations/grid.png?input=chelsea&layer=\(encoded("../../conv2d"))",
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(response.status, .notFound, "\(uri): \(response.text)")
                XCTAssertEqual(response.text.filter { $0 == "\n" }.count, 1, "\(uri): \(response.text)")
                XCTAssertFalse(response.text.contains("root:"), uri)
            }
        }
    }

    func testUploadsThatAreNotImagesOrTooLargeAreRefused() async throws {
        let uploads = folder.appendingPathComponent("uploads")
        try await withClient { client in
            let text = try await client.execute(
                uri: "/inputs?name=notes.jpg", method: .post, body: ByteBuffer(string: "just some text, not a JPEG"))
            assertRefusal(text, .unsupportedMediaType, "the upload 'notes.jpg' is not a JPEG or PNG image or an .npy array")
            // A PNG signature over a broken file: refused by the decoder, nothing kept.
            let broken = try await client.execute(
                uri: "/inputs?name=broken.png", method: .post,
                body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]))
            assertRefusal(broken, .badRequest, "the upload 'broken.png' cannot be read:")
            let huge = ByteBuffer(repeating: 0xFF, count: 200 * 1024 * 1024)
            let tooLarge = try await client.execute(uri: "/inputs?name=huge.jpg", method: .post, body: huge)
            assertRefusal(tooLarge, .contentTooLarge, "the upload 'huge.jpg' is larger than 20 MB")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path), [])
    }

    /// An upload named like a path is kept in the upload folder under a safe name.
    func testUploadNamedLikeAPathStaysInTheUploadFolder() async throws {
        let uploads = folder.appendingPathComponent("uploads")
        let photo = try Data(contentsOf: URL(fileURLWithPath: Self.images).appendingPathComponent("coffee.png"))
        try await withClient { client in
            let response = try await client.execute(
                uri: "/inputs?name=\(encoded("../../escape.png"))", method: .post, body: ByteBuffer(bytes: photo))
            XCTAssertEqual(response.status, .ok, response.text)
            XCTAssertEqual(response.text, #"{"id":"escape"}"#)
            let page = try await client.execute(uri: "/?input=escape", method: .get)
            XCTAssertTrue(page.text.contains(#"<a href="/?input=escape" aria-current="page">"#), page.text)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path), ["escape.png"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("escape.png").path))
    }
}
