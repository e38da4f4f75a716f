import Foundation
import VizCore

/// How far the inputs have streamed: a line redrawn in place (count, images/s, ETA) when the status
/// line is a terminal, one plain log line per batch otherwise, nothing when quiet.
final class InputProgress {
    private let total: Int
    private let statusLine: StatusLine
    private let redraws: Bool
    private let log: (String) -> Void
    private let started = DispatchTime.now()
    private var done = 0

    init(total: Int, showsProgress: Bool, log: @escaping (String) -> Void, statusLine: StatusLine = .standardError) {
        self.total = total
        self.statusLine = statusLine
        redraws = showsProgress && statusLine.isTerminal
        self.log = log
    }

    func advance(by count: Int) {
        done += count
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "inputs %ld/%ld, %.1f images/s, ETA ", done, total, rate) + Self.clock(remaining)
        if redraws {
            statusLine.show(line)
            if done >= total { statusLine.close() }
        } else {
            log(line)
        }
    }

    /// `42s`, `3m05s`, `1h02m`.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%ldm%02lds", whole / 60, whole % 60) }
        return String(format: "%ldh%02ldm", whole / 3600, (whole % 3600) / 60)
    }
}
