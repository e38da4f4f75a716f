import Foundation
import VizCore

/// SIGINT and SIGTERM stop a run between batches: the batches finished are in the journal, so the
/// same command resumes from them. A second signal stops the process at once (the next run removes
/// what that leaves in the staging folder). The command exits with 128 + the signal's number.
public enum Interruption {
    /// The signal that asked the run to stop, or 0. Written only by the signal handler.
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers, for the command; a library user keeps its own.
    public static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                if Interruption.received != 0 { _exit(128 + number) }
                Interruption.received = number
            }
        }
        // A file size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk,
        // instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
    }

    /// The exit status for the signal received, if any.
    public static var exitStatus: Int32? {
        received == 0 ? nil : 128 + received
    }

    /// Throws if a signal asked the run to stop; `done` says what is kept.
    static func check(done: Int, of total: Int, in folder: OutputFolder) throws {
        guard received != 0 else { return }
        let name = received == SIGINT ? "SIGINT" : "SIGTERM"
        throw VizError(
            "stopped by \(name) with \(done) of \(total) input(s) done; \(done == 0 ? "nothing is" : "they are") kept for "
                + "the same command to resume from", at: folder.root.path)
    }
}
