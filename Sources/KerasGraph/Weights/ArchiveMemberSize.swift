import Foundation
import VizCore

/// The size a ZIP archive (`.keras`, `.npz`) claims for a member, checked before memory is taken
/// for it and held to while it is extracted: a damaged or hostile archive may claim more than it
/// holds, or more than deflate can produce from what it holds.
public struct ArchiveMemberSize {
    /// What the member holds once extracted.
    public let bytes: Int
    private let member: String
    private let archive: String

    /// Deflate's best ratio: no member inflates to more than this many times its compressed size.
    static let deflateRatio: UInt64 = 1032

    public init(_ uncompressed: UInt64, compressed: UInt64, of member: String, in archive: String) throws {
        self.member = member
        self.archive = archive
        let (most, overflow) = max(compressed, 1).multipliedReportingOverflow(by: Self.deflateRatio)
        guard overflow || uncompressed <= most else {
            throw VizError(
                "the archive says \(member) inflates from \(compressed) to \(uncompressed) bytes, more than deflate "
                    + "can: the archive is damaged", at: archive)
        }
        guard uncompressed <= ProcessInfo.processInfo.physicalMemory, let bytes = Int(exactly: uncompressed) else {
            throw VizError(
                "the archive says \(member) holds \(uncompressed) bytes, more than this machine's memory", at: archive)
        }
        self.bytes = bytes
    }

    /// The member's bytes, from `extract` (an archive's extraction, which hands each chunk to the
    /// function it is given); throws once it produces more than the archive said.
    public func read(_ extract: (_ consumer: (Data) throws -> Void) throws -> Void) throws -> Data {
        var data = Data(capacity: bytes)
        try extract { chunk in
            guard data.count + chunk.count <= bytes else {
                throw VizError("\(member) holds more than the \(bytes) bytes the archive says", at: archive)
            }
            data.append(chunk)
        }
        return data
    }
}
