import Foundation

/// A value computed on first use, safely when several threads ask at once.
///
/// Ops use it for derived weights only a backward pass needs (transposed kernels), so forward-only
/// runs never pay their memory.
final class Lazy<Value> {
    private var value: Value?
    private let make: () -> Value
    private let lock = NSLock()

    init(_ make: @escaping () -> Value) { self.make = make }

    var wrappedValue: Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let made = make()
        value = made
        return made
    }
}
