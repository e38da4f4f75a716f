import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing a whole file at once, as a run does for every array and picture.
public enum FileWriting {
    /// Why a write failed, in the system's words (`No space left on device`).
    public struct Failure: LocalizedError {
        public let reason: String
        public var errorDescription: String? { reason }
    }

    /// Creates or replaces the file at `path` with `data`. Foundation's `Data.write(to:)` waits on
    /// Linux for each file to reach the disk (fsync), which a run's thousands of files pay one by one;
    /// this leaves the flushing to the kernel. A resume trusts the journal, which lists a file only
    /// once it is written, not each file's sync.
    public static func write(_ data: Data, toFile path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        var failure: Failure?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(reason: String(cString: strerror(errno)))
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0, failure == nil { failure = Failure(reason: String(cString: strerror(errno))) }
        if let failure { throw failure }
    }
}
