import Foundation
import XCTest

/// Debian's headless browser, for the tests that render a page (CI installs it; `apt-get install chromium`).
public enum Chromium {
    /// Its path; skips the calling test, saying why, where it is not installed.
    public static func installed(for test: String) throws -> String {
        guard
            let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("\(test): Chromium is not installed (apt-get install chromium); skipping")
            throw XCTSkip("Chromium is not installed")
        }
        return path
    }
}
