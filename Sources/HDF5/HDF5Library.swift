internal import CHDF5
import Foundation

/// Process-wide libhdf5 set-up and error reporting.
enum HDF5Library {
    /// Initialises the library and stops it printing its error stack to stderr: failures become
    /// `VizError`s instead. Done on every open because the setting is per thread in thread-safe builds.
    static func prepare() {
        H5open()
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
    }

    /// The innermost message of libhdf5's current error stack (the actual cause, e.g.
    /// "truncated file: eof = 1024, …"), or a generic phrase if the stack is empty.
    static func lastError() -> String {
        var message: String?
        withUnsafeMutablePointer(to: &message) { pointer in
            _ = H5Ewalk2(
                hid_t(H5E_DEFAULT), H5E_WALK_UPWARD,
                { _, error, context in
                    let slot = context!.assumingMemoryBound(to: String?.self)
                    if slot.pointee == nil, let description = error?.pointee.desc {
                        slot.pointee = String(cString: description)
                    }
                    return 0
                }, pointer)
        }
        return "libhdf5: " + (message ?? "unknown error")
    }

    /// Whether `count` values of `size` bytes could be held at all: a damaged file may claim sizes
    /// whose allocation would stop the process instead of failing.
    static func fitsInMemory(_ count: Int, of size: Int) -> Bool {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return !overflow && UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory
    }
}
