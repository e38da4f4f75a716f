import Foundation

extension Error {
    /// Why a file could not be read or written, in the system's words ("No space left on device",
    /// "File too large"): Foundation wraps the POSIX error in a message that may name no cause.
    var systemReason: String {
        let error = self as NSError
        let underlying = (error.userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
        for candidate in [error, underlying] {
            if let candidate, candidate.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(candidate.code))) }
        }
        return localizedDescription
    }
}
