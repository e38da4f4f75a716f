import Foundation

/// Filter patterns computed in the background, one channel after the other on the model's queue,
/// so that the page's other requests are answered between two patterns. A job reports how many
/// patterns are done and how far the ascent of the one in progress is, and stops before its next
/// pattern once cancelled.
final class FilterJobs: @unchecked Sendable {
    struct Status: Codable, Equatable, Sendable {
        enum State: String, Codable, Sendable {
            case running, done, cancelled, failed
        }

        let id: Int
        let layer: String
        let channels: [Int]
        var done: Int
        /// The ascent steps of the pattern in progress: done, and in all (0 before its first step).
        var step = 0
        var steps = 0
        /// Running until the pattern in progress is finished, after a cancel too.
        var state: State
        var cancelRequested = false
        /// Why the job failed, in one line.
        var error: String?
    }

    /// How many patterns one job may ask for: a layer's first few, not a whole 512-channel layer.
    static let maximumChannels = 64

    private let lock = NSLock()
    private var statuses: [Int: Status] = [:]
    private var nextID = 1

    func start(layer: String, channels: [Int], explorer: Explorer) -> Status {
        let status: Status = lock.withLock {
            defer { nextID += 1 }
            let status = Status(id: nextID, layer: layer, channels: channels, done: 0, state: .running)
            statuses[status.id] = status
            return status
        }
        Task.detached {
            for channel in channels {
                guard self.status(status.id)?.cancelRequested == false else {
                    return self.update(status.id) { $0.state = .cancelled }
                }
                do {
                    _ = try await explorer.pattern(layer: layer, channel: channel) { step, steps in
                        self.update(status.id) { ($0.step, $0.steps) = (step, steps) }
                    }
                } catch {
                    let line = (error as? ServeError)?.message ?? "\(error)"
                    self.update(status.id) {
                        $0.state = .failed
                        $0.error = line
                    }
                    return
                }
                self.update(status.id) {
                    $0.done += 1
                    $0.step = 0
                }
            }
            self.update(status.id) { if $0.state == .running { $0.state = .done } }
        }
        return status
    }

    func status(_ id: Int) -> Status? { lock.withLock { statuses[id] } }

    /// Stops the job before its next pattern (its state turns `cancelled` then); the patterns
    /// done stay available.
    func cancel(_ id: Int) -> Status? {
        update(id) { if $0.state == .running { $0.cancelRequested = true } }
        return status(id)
    }

    private func update(_ id: Int, _ change: (inout Status) -> Void) {
        lock.withLock {
            guard var status = statuses[id] else { return }
            change(&status)
            statuses[id] = status
        }
    }
}
