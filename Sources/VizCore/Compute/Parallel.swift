import Dispatch
import Foundation
internal import CDNNL

/// How many threads the heavy ops may use: `--threads`, `VIZRUN_THREADS`, or every core.
public enum Parallelism {
    nonisolated(unsafe) public static var threads: Int = {
        if let text = ProcessInfo.processInfo.environment["VIZRUN_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }() {
        didSet { appliedThreads = 0 }
    }

    nonisolated(unsafe) private static var appliedThreads = 0

    /// Hands the thread count to oneDNN's OpenMP runtime before its next call.
    static func applyToBackend() {
        guard appliedThreads != threads else { return }
        omp_set_num_threads(Int32(threads))
        appliedThreads = threads
    }

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

/// Elementwise loops split into chunks large enough to be worth a thread each.
enum Elementwise {
    static let chunk = 1 << 16

    /// Calls `body` with consecutive ranges covering `0..<count`, in parallel.
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        Parallelism.forEach((count + chunk - 1) / chunk) { index in
            body((index * chunk)..<min(count, (index + 1) * chunk))
        }
    }
}
