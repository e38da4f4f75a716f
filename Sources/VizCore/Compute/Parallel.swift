internal import CDNNL
import Foundation

/// How many threads the heavy ops may use: `--threads`, `VIZRUN_THREADS`, or every core.
public enum Parallelism {
    nonisolated(unsafe) public static var threads: Int = {
        if let text = ProcessInfo.processInfo.environment["VIZRUN_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }()
    {
        didSet { appliedThreads = 0 }
    }

    nonisolated(unsafe) private static var appliedThreads = 0

    /// Hands the thread count to oneDNN's OpenMP runtime before its next call.
    static func applyToBackend() {
        guard appliedThreads != threads else { return }
        omp_set_num_threads(Int32(threads))
        appliedThreads = threads
    }

    /// Runs `body(index)` for every index in `0..<count`, spread over the threads in contiguous shares.
    ///
    /// The work runs on oneDNN's OpenMP team rather than on Dispatch's threads: between two oneDNN
    /// calls its threads spin-wait for a while, and would take the cores from any other thread.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || threads <= 1 {
            for index in 0..<count { body(index) }
            return
        }
        applyToBackend()
        withoutActuallyEscaping(body) { body in
            var share = Share(count: count, body: body)
            withUnsafeMutablePointer(to: &share) { context in
                GOMP_parallel(
                    { context in
                        let share = context!.assumingMemoryBound(to: Share.self).pointee
                        let (member, members) = (Int(omp_get_thread_num()), Int(omp_get_num_threads()))
                        for index in (member * share.count / members)..<((member + 1) * share.count / members) {
                            share.body(index)
                        }
                    }, context, UInt32(min(threads, count)), 0)
            }
        }
    }

    private struct Share {
        let count: Int
        let body: (Int) -> Void
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
