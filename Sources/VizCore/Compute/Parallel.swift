import Dispatch
import Foundation

/// How many threads the heavy ops may use: `VIZRUN_THREADS`, or every core.
public enum Parallelism {
    nonisolated(unsafe) public static var threads: Int = {
        if let text = ProcessInfo.processInfo.environment["VIZRUN_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// Runs `body(index)` for every index in `0..<count`, spread over the threads.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || threads <= 1 {
            for index in 0..<count { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}
