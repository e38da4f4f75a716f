import Foundation

/// Elapsed wall time from a start, on the monotonic clock (a changed system clock does not move it).
public struct Stopwatch: Sendable {
    private let started = DispatchTime.now()

    public init() {}

    public var seconds: Double {
        Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    }
}
