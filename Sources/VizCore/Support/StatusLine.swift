import Foundation

/// The one line a terminal redraws in place (a progress bar) and the log lines printed above it.
/// Both go through here so they never run into each other: a log line printed while a line is shown
/// overwrites it, and the shown line is drawn again below. Log lines may come from any thread: the
/// lock orders every write.
public final class StatusLine: @unchecked Sendable {
    /// Whether the output is a terminal; elsewhere nothing is drawn in place and lines print as they come.
    public let isTerminal: Bool
    private let write: (String) -> Void
    private let lock = NSLock()
    /// The line on screen, nil when the cursor is at the start of a fresh line.
    private var shown: String?

    public init(isTerminal: Bool, write: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.write = write
    }

    /// stderr: where vizrun's progress and log lines go.
    public static let standardError = StatusLine(isTerminal: isatty(STDERR_FILENO) == 1) {
        FileHandle.standardError.write(Data($0.utf8))
    }

    /// Draws `line` over the one shown; on a terminal only.
    public func show(_ line: String) {
        guard isTerminal else { return }
        lock.withLock {
            write("\r" + line + Self.blanks(over: shown, after: line))
            shown = line
        }
    }

    /// Leaves the shown line as it is and moves below it, so whatever is written next starts a line of its own.
    public func close() {
        lock.withLock {
            if shown != nil { write("\n") }
            shown = nil
        }
    }

    /// Prints `text` as a line of its own, above the shown line.
    public func print(_ text: String) {
        lock.withLock {
            guard let line = shown else { return write(text + "\n") }
            write("\r" + text + Self.blanks(over: line, after: text) + "\n" + line)
        }
    }

    /// Spaces that cover what a longer `old` line leaves visible after `new`.
    private static func blanks(over old: String?, after new: String) -> String {
        String(repeating: " ", count: max(0, (old?.count ?? 0) - new.count))
    }
}
