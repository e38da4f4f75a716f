import Foundation

/// An error met on another thread, kept until the caller's thread asks.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    var value: Error? { lock.withLock { error } }

    func record(_ newError: Error) {
        lock.withLock { if error == nil { error = newError } }
    }
}
