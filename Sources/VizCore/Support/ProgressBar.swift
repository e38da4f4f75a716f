import Foundation

/// How far some work has gone, shown on one line: redrawn in place when the status line is a
/// terminal, or, for a progress that logs, one plain line per step elsewhere (a batch system's log);
/// nothing when disabled. A visualizer's steps draw a bar with a rate (`patterns [####....] 3/8
/// 1.2 filters/s`); the inputs a count, a rate and the time left (`inputs 120/300, 14.2 images/s,
/// ETA 13s`).
public final class ProgressBar {
    private enum Style {
        case bar(label: String)
        case countdown(label: String)
    }

    private let style: Style
    private let total: Int
    private let unit: String
    private let statusLine: StatusLine
    private let redraws: Bool
    /// Where a line goes when it is not redrawn; nil to show nothing then.
    private let log: ((String) -> Void)?
    /// Told (done, total) at every step, drawn or not.
    private let observer: ((Int, Int) -> Void)?
    private let stopwatch = Stopwatch()
    private var done = 0

    private init(
        style: Style, total: Int, unit: String, statusLine: StatusLine, redraws: Bool, log: ((String) -> Void)?,
        observer: ((Int, Int) -> Void)? = nil
    ) {
        self.style = style
        self.total = max(total, 1)
        self.unit = unit
        self.statusLine = statusLine
        self.redraws = redraws && statusLine.isTerminal
        self.log = log
        self.observer = observer
    }

    /// A bar on stderr with a rate, drawn only when `enabled` and stderr is a terminal; `observer`
    /// is told (done, total) at every step.
    public convenience init(
        _ label: String, total: Int, unit: String = "steps", enabled: Bool = StatusLine.standardError.isTerminal,
        observer: ((Int, Int) -> Void)? = nil
    ) {
        self.init(
            style: .bar(label: label), total: total, unit: unit, statusLine: .standardError, redraws: enabled, log: nil,
            observer: observer)
    }

    /// The inputs streaming through the runs: redrawn on a terminal when `showsProgress`, else
    /// logged a line per batch (nothing when `log` drops its lines).
    package static func inputs(
        total: Int, showsProgress: Bool, log: @escaping (String) -> Void,
        statusLine: StatusLine = .standardError
    ) -> ProgressBar {
        ProgressBar(
            style: .countdown(label: "inputs"), total: total, unit: "images", statusLine: statusLine,
            redraws: showsProgress, log: log)
    }

    public func advance(by count: Int = 1) {
        done = min(done + count, total)
        observer?(done, total)
        guard redraws || log != nil else { return }
        let seconds = stopwatch.seconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let line: String
        switch style {
        case .bar(let label):
            let width = 30
            let filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            line = String(format: "%@ [%@] %d/%d %.1f %@/s", label, bar, done, total, rate, unit)
        case .countdown(let label):
            let remaining = rate > 0 ? Double(total - done) / rate : 0
            line = String(format: "%@ %ld/%ld, %.1f %@/s, ETA ", label, done, total, rate, unit) + Self.clock(remaining)
        }
        if redraws {
            statusLine.show(line)
            if done == total { statusLine.close() }
        } else {
            log?(line)
        }
    }

    /// `42s`, `3m05s`, `1h02m`.
    package static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%ldm%02lds", whole / 60, whole % 60) }
        return String(format: "%ldh%02ldm", whole / 3600, (whole % 3600) / 60)
    }
}
