import Foundation

/// One number through C's `printf` formatting. Foundation's `String(format:)` costs microseconds a
/// call on Linux, and a report formats a number for every channel of every layer.
public enum CFormat {
    /// `value` formatted by `format`, a printf format with one floating-point conversion (`%.4g`).
    public static func string(_ format: String, _ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, format, $0) }
            return String(
                decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: min(Int(length), buffer.count - 1)),
                as: UTF8.self)
        }
    }
}
