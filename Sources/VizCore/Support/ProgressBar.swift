import Foundation

/// A one-line progress bar on stderr with a rate, drawn only when stderr is a terminal.
public final class ProgressBar {
    private let label: String
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let started = DispatchTime.now()
    private var done = 0

    public init(_ label: String, total: Int, unit: String = "steps", enabled: Bool = StatusLine.standardError.isTerminal) {
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.enabled = enabled
    }

    public func advance(by count: Int = 1) {
        done = min(done + count, total)
        guard enabled else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let width = 30
        let filled = width * done / total
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        StatusLine.standardError.show(String(format: "%@ [%@] %d/%d %.1f %@/s", label, bar, done, total, rate, unit))
        if done == total { StatusLine.standardError.close() }
    }
}
