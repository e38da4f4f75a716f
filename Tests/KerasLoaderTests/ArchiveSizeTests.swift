import Foundation
import KerasLoader
import KerasTestSupport
import RawLoader
import VizCore
import VizTesting
import XCTest
import ZIPFoundation

/// The sizes a ZIP archive (`.keras`, `.npz`) claims for its members are checked before memory is
/// taken for them, and held to while extracting: each lie is one VizError naming the member.
final class ArchiveSizeTests: TemporaryFilesTestCase {
    private var kerasFixture: String {
        get throws { try FixtureReference("nested_sequential_k3_keras", in: "formats").modelPath }
    }

    /// `archive` with the central directory's record of `member` claiming `size` bytes uncompressed.
    private func claiming(_ size: UInt32, for member: String, in archive: Data, as name: String) throws -> String {
        var bytes = [UInt8](archive)
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        var patched = false
        for start in bytes.indices.dropLast(46) where Array(bytes[start..<(start + 4)]) == signature {
            let nameLength = Int(bytes[start + 28]) | Int(bytes[start + 29]) << 8
            guard String(decoding: bytes[(start + 46)..<(start + 46 + nameLength)], as: UTF8.self) == member else { continue }
            for byte in 0..<4 { bytes[start + 24 + byte] = UInt8(truncatingIfNeeded: size >> (8 * byte)) }
            patched = true
        }
        XCTAssertTrue(patched, "no central directory record of \(member)")
        let path = temporaryPath(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func loadKeras(_ path: String) throws -> Model {
        try KerasArchiveLoader().load(ModelSpec(path: path))
    }

    func testAMemberClaimingMoreThanDeflateCanProduceIsRefusedBeforeAnyMemoryIsTaken() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try kerasFixture))
        let stored = try XCTUnwrap(try Archive(url: URL(fileURLWithPath: try kerasFixture), accessMode: .read)["config.json"])
        let keras = try claiming(0xFFFF_FFF0, for: "config.json", in: whole, as: "huge-config.keras")
        assertVizError(
            try loadKeras(keras), at: keras,
            "the archive says config.json inflates from \(stored.compressedSize) to 4294967280 bytes, more than deflate "
                + "can: the archive is damaged")

        let npzFixture = Fixtures.path("raw/keras/k2_functional.npz")
        let npz = try claiming(
            0xFFFF_FFF0, for: "conv2d/kernel.npy", in: try Data(contentsOf: URL(fileURLWithPath: npzFixture)),
            as: "huge-kernel.npz")
        let spec = ModelSpec(path: npz, architecture: Fixtures.path("raw/keras/k2_functional.yaml"))
        assertVizError(
            try RawModelLoader().load(spec), at: npz,
            "the archive says conv2d/kernel.npy inflates from 344 to 4294967280 bytes, more than deflate can")
    }

    /// Sizes past 4 GB are ZIP64's, in an extra field; a claim beyond this machine's memory (and within
    /// deflate's ratio of the compressed size claimed beside it) is refused as the command reads it.
    func testAZIP64MemberClaimingMoreThanThisMachinesMemoryIsOneLineFromTheCommand() throws {
        let claimed: UInt64 = 1 << 45
        XCTAssertGreaterThan(claimed, ProcessInfo.processInfo.physicalMemory)
        let keras = temporaryPath("zip64.keras")
        try zip64Archive(of: "config.json", holding: Data("{}".utf8), claiming: claimed, compressed: 1 << 40)
            .write(to: URL(fileURLWithPath: keras))
        try assertInspectRefuses(
            keras, "the archive says config.json holds 35184372088832 bytes, more than this machine's memory")
    }

    /// A ZIP archive of one stored member whose sizes are in ZIP64 extra fields (the 32-bit fields say
    /// 0xFFFFFFFF, "see there"), claiming `uncompressed` and `compressed` bytes whatever it holds.
    private func zip64Archive(of member: String, holding data: Data, claiming uncompressed: UInt64, compressed: UInt64)
        -> Data
    {
        var bytes: [UInt8] = []
        func put<Number: FixedWidthInteger>(_ values: Number...) {
            for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        }
        let name = Array(member.utf8)
        let version: UInt16 = 45 // ZIP64
        func sizesAndName() {
            put(UInt32.max, UInt32.max)
            put(UInt16(name.count), UInt16(20))
        }
        func zip64Field() {
            bytes += name
            put(UInt16(1), UInt16(16))
            put(uncompressed, compressed)
        }
        // The local header (no flags, stored, no time, no checksum), the data, the central directory's record.
        put(UInt32(0x0403_4B50))
        put(version, 0, 0)
        put(UInt32(0), UInt32(0))
        sizesAndName()
        zip64Field()
        bytes += data
        let directory = bytes.count
        put(UInt32(0x0201_4B50))
        put(version, version, 0, 0)
        put(UInt32(0), UInt32(0))
        sizesAndName()
        put(UInt16(0), 0, 0) // comment length, disk, internal attributes
        put(UInt32(0), UInt32(0)) // external attributes, local header offset
        zip64Field()
        let directorySize = bytes.count - directory
        put(UInt32(0x0605_4B50))
        put(UInt16(0), 0, 1, 1)
        put(UInt32(directorySize), UInt32(directory))
        put(UInt16(0))
        return Data(bytes)
    }

    func testAMemberInflatingToMoreThanItClaimsIsRefusedWhileExtracting() throws {
        let source = try Archive(url: URL(fileURLWithPath: try kerasFixture), accessMode: .read)
        let deflated = temporaryPath("deflated.keras")
        let target = try Archive(url: URL(fileURLWithPath: deflated), accessMode: .create)
        for entry in source {
            var data = Data()
            _ = try source.extract(entry) { data.append($0) }
            try target.addEntry(
                with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in data.subdata(in: Int(position)..<(Int(position) + size)) }
        }
        XCTAssertNoThrow(try loadKeras(deflated), "the deflated copy loads")
        let keras = try claiming(
            100, for: "config.json", in: try Data(contentsOf: URL(fileURLWithPath: deflated)), as: "short.keras")
        assertVizError(try loadKeras(keras), at: keras, "config.json holds more than the 100 bytes the archive says")
    }
}
