import Foundation
import VizCore

#if canImport(Glibc)
    import Glibc
#endif

/// Headless Chromium driven through the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// commands go in on the browser's descriptor 3 and answers come out on 4, each a JSON message
/// ending in a NUL byte), so a test can click, type and take screenshots as a user would, with no
/// WebSocket client. Blocking: use it off the threads that serve the page.
final class DevToolsSession {
    private var browser: pid_t = 0
    private let commands: Int32
    private let answers: Int32
    private var unread = [UInt8]()
    private var lastID = 0
    private var pageSession: String?

    init(chromium: String, profile: URL) throws {
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else {
            throw VizError("cannot make the DevTools pipes: \(String(cString: strerror(errno)))")
        }
        // Only the copies on descriptors 3 and 4 reach the browser (dup2 clears the flag on them).
        for descriptor in toBrowser + fromBrowser { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.appendingPathComponent("chromium-profile").path)", "about:blank",
        ]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&browser, chromium, &actions, nil, &argv, environ)
        close(toBrowser[0])
        close(fromBrowser[1])
        (commands, answers) = (toBrowser[1], fromBrowser[0])
        guard status == 0 else { throw VizError("cannot start \(chromium): \(String(cString: strerror(status)))") }
    }

    deinit {
        _ = try? send("Browser.close", toPage: false)
        close(commands)
        close(answers)
        var status: Int32 = 0
        waitpid(browser, &status, 0)
    }

    /// Sends `method` (to the open page unless `toPage` is false) and returns its answer's result.
    @discardableResult
    func send(_ method: String, _ parameters: [String: Any] = [:], toPage: Bool = true) throws -> [String: Any] {
        lastID += 1
        var message: [String: Any] = ["id": lastID, "method": method, "params": parameters]
        if toPage { message["sessionId"] = pageSession }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard count > 0 else { throw VizError("DevTools \(method): the browser closed its pipe") }
            written += count
        }
        while true {
            let answer = try nextMessage(for: method)
            guard answer["id"] as? Int == lastID else { continue } // an event
            if let error = answer["error"] { throw VizError("DevTools \(method): \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(for method: String) throws -> [String: Any] {
        while true {
            if let end = unread.firstIndex(of: 0) {
                let message = Data(unread[..<end])
                unread.removeSubrange(...end)
                return try JSONSerialization.jsonObject(with: message) as? [String: Any] ?? [:]
            }
            var ready = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 60_000) == 1 else { throw VizError("DevTools \(method): no answer in a minute") }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = read(answers, &chunk, chunk.count)
            guard count > 0 else { throw VizError("DevTools \(method): the browser closed its pipe") }
            unread += chunk[..<count]
        }
    }

    /// Opens `url` in a new page of `width` × `height` CSS pixels (a phone's touch screen below 600)
    /// in the light or dark colour scheme, and waits for it to load.
    func open(_ url: String, width: Int, height: Int, dark: Bool) throws {
        let target = try send("Target.createTarget", ["url": "about:blank"], toPage: false)["targetId"] ?? ""
        pageSession =
            try send("Target.attachToTarget", ["targetId": target, "flatten": true], toPage: false)["sessionId"] as? String
        try send(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600])
        try send(
            "Emulation.setEmulatedMedia", ["features": [["name": "prefers-color-scheme", "value": dark ? "dark" : "light"]]])
        try send("Page.navigate", ["url": url])
        try waitUntil("document.readyState === 'complete'")
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    func evaluate(_ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw VizError("JavaScript `\(expression)` threw \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Polls `condition` every 50 ms until it is true, for at most a minute.
    func waitUntil(_ condition: String) throws {
        for _ in 0..<1200 {
            // A navigation between two polls destroys the context the expression ran in: poll again.
            if (try? evaluate(condition)) as? Bool == true { return }
            usleep(50_000)
        }
        throw VizError("the page never satisfied `\(condition)` in a minute")
    }

    /// Clicks the middle of the element `element` (a JavaScript expression) with the mouse, after
    /// scrolling it into view.
    func click(_ element: String) throws {
        let centre = try evaluate(
            """
            (() => { const e = \(element); if (!e) return null; e.scrollIntoView({block: 'center'});
            const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()
            """)
        guard let point = centre as? [Double], point.count == 2 else { throw VizError("no element `\(element)` to click") }
        for type in ["mousePressed", "mouseReleased"] {
            try send(
                "Input.dispatchMouseEvent", ["type": type, "x": point[0], "y": point[1], "button": "left", "clickCount": 1])
        }
    }

    /// Presses and releases a key (`key` as the DOM names it, `code` its Windows virtual key code,
    /// `text` what it types, if anything) on the focused element.
    func press(_ key: String, code: Int, text: String? = nil) throws {
        var down: [String: Any] = ["type": text == nil ? "rawKeyDown" : "keyDown", "key": key, "windowsVirtualKeyCode": code]
        if let text { down["text"] = text }
        try send("Input.dispatchKeyEvent", down)
        try send("Input.dispatchKeyEvent", ["type": "keyUp", "key": key, "windowsVirtualKeyCode": code])
    }

    /// Types `text` into the focused field, as a keyboard would.
    func type(_ text: String) throws {
        try send("Input.insertText", ["text": text])
    }

    /// The page's viewport as a PNG.
    func screenshot() throws -> Data {
        guard let encoded = try send("Page.captureScreenshot", ["format": "png"])["data"] as? String,
            let png = Data(base64Encoded: encoded)
        else { throw VizError("DevTools gave no screenshot") }
        return png
    }
}
