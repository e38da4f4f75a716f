import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

@testable import VizServe

/// The page in a real browser: headless Chromium (Debian's package; skipped where it is absent,
/// CI installs it), driven through the DevTools protocol, uses the page's own controls on a live
/// server at phone and desktop width, light and dark.
final class ServeBrowserTests: ServeTestCase {
    /// Where the screenshots are kept when `VIZRUN_SCREENSHOTS` names a folder (Docs/images has
    /// those of Docs/serve.md); otherwise they go with the test's temporary folder.
    static let screenshots = ProcessInfo.processInfo.environment["VIZRUN_SCREENSHOTS"].map(URL.init(fileURLWithPath:))

    func testThePagesControlsInChromium() async throws {
        let chromium = try Chromium.installed(for: "ServeBrowserTests")
        let explorer = try makeExplorer()
        let folder = self.folder!
        try await withClient(explorer) { client in
            try await Self.offServerThreads {
                let browser = try DevToolsSession(chromium: chromium, profile: folder)
                for (name, width, dark) in [
                    ("phone-light", 390, false), ("phone-dark", 390, true), ("desktop-light", 1280, false),
                    ("desktop-dark", 1280, true),
                ] {
                    try browser.open(client.base + "?input=coffee", width: width, height: 1400, dark: dark)
                    try Self.useThePage(browser, name)
                    // The predictions and the class's maps, which open below the layer's pictures.
                    _ = try browser.evaluate("document.getElementById('predictions').scrollIntoView()")
                    let screenshot = try browser.screenshot()
                    try screenshot.write(to: (Self.screenshots ?? folder).appendingPathComponent("serve-\(name).png"))
                    let picture = try Bitmap(encodedImage: screenshot)
                    XCTAssertEqual(picture.width, width, name)
                    XCTAssertGreaterThan(Set(picture.pixels).count, 64, "\(name): the page rendered pictures")
                    // The scheme reached the page: a dark page's top-left corner is dark.
                    let corner = picture.pixels[0..<3].map(Int.init)
                    XCTAssertEqual(corner.reduce(0, +) < 3 * 128, dark, "\(name): \(corner)")
                }
                try browser.open(client.base + "?input=coffee", width: 1280, height: 1400, dark: false)
                try Self.useTheKeyboard(browser)
                try Self.dropAPicture(browser)
            }
        }
        // Four tabs chose the same layer, channel, pattern and class: computed once, then cached;
        // the keyboard's layer is the second pass, and the same layer of the dropped picture (the
        // page keeps its layer for a new input) the third.
        XCTAssertEqual(explorer.activationPasses, 3)
        XCTAssertEqual(explorer.sources.map(\.id), ["chelsea", "coffee", "dropped"])
    }

    /// With the keyboard alone: the first Tab reaches the skip link, and Enter on a layer's link
    /// opens the layer.
    static func useTheKeyboard(_ browser: DevToolsSession) throws {
        try browser.press("Tab", code: 9)
        XCTAssertEqual(try browser.evaluate("document.activeElement.textContent") as? String, "Skip to the pictures")
        _ = try browser.evaluate(#"[...document.querySelectorAll('#layers a')].find(a => a.textContent === 'conv2d').focus()"#)
        try browser.press("Enter", code: 13, text: "\r")
        try browser.waitUntil(
            "location.search.includes('layer=conv2d') && document.readyState === 'complete'"
                + " && \(loaded("img[src^='/activations/grid.png']"))")
    }

    /// A file dropped onto the page (a DragEvent carrying chelsea's picture as `dropped.png`, as the
    /// browser makes one from a file dragged in) is uploaded, and the page shows it as the input.
    static func dropAPicture(_ browser: DevToolsSession) throws {
        _ = try browser.evaluate(
            """
            (async () => {
              const bytes = await (await fetch('/input.png?input=chelsea')).blob();
              const files = new DataTransfer();
              files.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
              document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
            })()
            """)
        try browser.waitUntil(
            "location.search.includes('input=dropped') && document.readyState === 'complete'"
                + " && \(loaded("img[src='/input.png?input=dropped']"))")
    }

    /// Clicks conv2d_1 in the layer table, types channel 5 into the channel form, starts its filter
    /// pattern and waits for it, then clicks the second prediction; checks each picture that appears.
    static func useThePage(_ browser: DevToolsSession, _ name: String) throws {
        try browser.click(#"[...document.querySelectorAll('#layers a')].find(a => a.textContent === 'conv2d_1')"#)
        try browser.waitUntil(
            "location.search.includes('layer=conv2d_1') && document.readyState === 'complete'"
                + " && \(loaded("img[src^='/activations/grid.png']"))")

        try browser.click("document.querySelector('input[name=channel]')")
        try browser.press("Backspace", code: 8)
        try browser.type("5")
        try browser.click("document.querySelector('input[name=channel]').form.querySelector('button')")
        try browser.waitUntil(
            "location.search.includes('channel=5') && document.readyState === 'complete'"
                + " && \(loaded("img.enlarged[src*='channel=5']"))")

        try browser.click("document.getElementById('pattern-start')")
        try browser.waitUntil(
            "!document.getElementById('pattern-result').hidden && \(loaded("#pattern-result img"))")

        let secondClass = try XCTUnwrap(
            try browser.evaluate("document.querySelectorAll('#predictions a')[1].href.match(/class=(\\d+)/)[1]") as? String)
        try browser.click("document.querySelectorAll('#predictions a')[1]")
        try browser.waitUntil(
            "location.search.includes('class=\(secondClass)') && document.readyState === 'complete'"
                + " && \(loaded("img[src^='/attribution.png'][src*='class=\(secondClass)&']"))")
        let current = try browser.evaluate("document.querySelector('#predictions a[aria-current]').href") as? String
        XCTAssertTrue(current?.contains("class=\(secondClass)") == true, "\(name): \(current ?? "no current class")")
    }

    /// JavaScript: at least one image matches `selector` and every one has been decoded.
    static func loaded(_ selector: String) -> String {
        "(() => { const i = [...document.querySelectorAll(\"\(selector)\")];"
            + " return i.length > 0 && i.every(e => e.complete && e.naturalWidth > 0); })()"
    }

    /// Runs blocking `work` on a thread of its own, so the server's tasks keep the cooperative pool.
    static func offServerThreads(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
