import Foundation
import Hummingbird
import HummingbirdTesting
import VizCore
import VizImage
import XCTest

@testable import VizServe

/// The page in a real browser: headless Chromium (Debian's package; skipped where it is absent,
/// CI installs it) loads it from a live server, runs its script, and fetches its pictures.
final class ServeBrowserTests: ServeTestCase {
    func testChromiumLoadsThePageItsScriptAndItsPictures() async throws {
        guard
            let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("ServeBrowserTests: Chromium is not installed (apt-get install chromium); skipping")
            throw XCTSkip("Chromium is not installed")
        }
        let explorer = try makeExplorer()
        let folder = self.folder!
        let app = Application(router: ServeRoutes.router(explorer))
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let page = "http://localhost:\(port)/?input=coffee&layer=conv2d_1&channel=5"
            let dom = try await Self.chromium(
                chromium, ["--dump-dom", "--virtual-time-budget=20000", page], profile: folder)
            // The layer list, as served; the script ran (it reveals the tools the page hides without it).
            XCTAssertTrue(dom.contains("<td>Conv2D</td><td>(None, 72, 72, 64)</td><td>18496</td>"), dom)
            XCTAssertTrue(dom.contains(#"<form id="upload" class="tool">"#), "the script did not run")
            XCTAssertFalse(dom.contains(#"id="pattern-tool" data-layer="conv2d_1" data-channel="5" hidden"#))
            for (name, width, dark) in [("phone", 390, false), ("desktop-dark", 1280, true)] {
                let screenshot = folder.appendingPathComponent("serve-\(name).png")
                _ = try await Self.chromium(
                    chromium,
                    ["--screenshot=\(screenshot.path)", "--window-size=\(width),1600", "--virtual-time-budget=20000"]
                        + (dark ? ["--force-dark-mode"] : []) + [page], profile: folder)
                let picture = try Bitmap(contentsOfFile: screenshot.path)
                XCTAssertEqual(picture.width, width, name)
                XCTAssertGreaterThan(Set(picture.pixels).count, 16, "\(name): the page rendered something")
            }
        }
        // The browser asked for the layer's grid and the channel: the explorer computed them once.
        XCTAssertEqual(explorer.activationPasses, 1, "the browser did not fetch the layer's pictures")
    }

    /// Runs Chromium headless with `arguments` and returns what it printed.
    static func chromium(_ path: String, _ arguments: [String], profile: URL) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(profile.appendingPathComponent("chromium-profile").path)",
            ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        // Read while it runs (a page larger than the pipe's buffer would block it), off the
        // threads that serve the page.
        let printed: Data = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { try process.run() } catch { return continuation.resume(throwing: error) }
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }
        }
        XCTAssertEqual(process.terminationStatus, 0, "chromium \(arguments)")
        return String(decoding: printed, as: UTF8.self)
    }
}
