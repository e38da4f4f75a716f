import Foundation
import VizCore
import VizTesting
import XCTest

/// `.npy` bytes built by hand, following numpy's `_format_impl.py`: magic, version, header length
/// (u16 LE for 1.0, u32 LE for 2.0/3.0), a dict literal padded with spaces to a 64-byte boundary and
/// ending in a newline, then the data.
func npyFile(_ dict: String, major: UInt8 = 1, data: [UInt8]) -> Data {
    let preamble = major == 1 ? 10 : 12
    var header = dict
    header += String(repeating: " ", count: (64 - (preamble + header.utf8.count + 1) % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
    let length = header.utf8.count
    bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
    return Data(bytes + Array(header.utf8) + data)
}

func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

final class NpyTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vizcore-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Writing and reading back

    func testRoundTripThroughAFile() throws {
        var random = SeededGenerator(seed: 5_000)
        for shape in [[2, 3, 4], [5], [1, 3, 3, 2], [], [0, 3]] {
            let tensor = random.tensor(shape, -1e3, 1e3)
            let path = directory.appendingPathComponent("t\(shape.count).npy").path
            try tensor.writeNpy(to: path)
            let read = try Tensor(npyFileAt: path)
            XCTAssertEqual(read, tensor, "shape \(shape)")
        }
    }

    func testWrittenHeaderFollowsTheFormat() throws {
        let data = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).npyData()
        let bytes = [UInt8](data)
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "numpy aligns the data to 64 bytes")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header)
        XCTAssertTrue(header.hasSuffix(" \n"))
        XCTAssertEqual(bytes.count, 10 + headerLength + 24)
        // 1.0f little-endian right after the header.
        XCTAssertEqual(Array(bytes[(10 + headerLength)..<(14 + headerLength)]), [0x00, 0x00, 0x80, 0x3F])
        // A 1-D shape is written as a Python 1-tuple.
        let vector = String(decoding: Tensor(shape: [7], repeating: 0).npyData(), as: UTF8.self)
        XCTAssertTrue(vector.contains("'shape': (7,)"), vector)
    }

    // MARK: - Files as numpy writes them

    func testReadsLittleEndianFloat64() throws {
        let values: [Double] = [0.1, -2.5, 1e-3, 3e38, 0, -7]
        let data = npyFile(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
            data: values.flatMap { littleEndianBytes($0.bitPattern) })
        XCTAssertEqual(try Tensor(npyData: data), Tensor(shape: [2, 3], scalars: values.map(Float.init)))
    }

    func testReadsBigEndianFloat32() throws {
        // 1.5 = 0x3FC00000, -0.25 = 0xBE800000, 3 = 0x40400000, big-endian byte order.
        let data = npyFile(
            "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }",
            data: [0x3F, 0xC0, 0, 0, 0xBE, 0x80, 0, 0, 0x40, 0x40, 0, 0])
        XCTAssertEqual(try Tensor(npyData: data), Tensor(shape: [3], scalars: [1.5, -0.25, 3]))
    }

    func testReadsLittleEndianInt64() throws {
        let values: [Int64] = [-3, 0, 1 << 40, 255, -(1 << 20)]
        let data = npyFile(
            "{'descr': '<i8', 'fortran_order': False, 'shape': (5, 1), }",
            data: values.flatMap { littleEndianBytes($0) })
        XCTAssertEqual(try Tensor(npyData: data), Tensor(shape: [5, 1], scalars: [-3, 0, 1_099_511_627_776, 255, -1_048_576]))
    }

    func testReadsUInt8AndBool() throws {
        let bytes = npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", data: [0, 255, 128, 7])
        XCTAssertEqual(try Tensor(npyData: bytes), Tensor(shape: [2, 2], scalars: [0, 255, 128, 7]))
        let bools = npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [1, 0, 1])
        XCTAssertEqual(try Tensor(npyData: bools), Tensor(shape: [3], scalars: [1, 0, 1]))
        let signed = npyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", data: [0xFF, 0x80])
        XCTAssertEqual(try Tensor(npyData: signed), Tensor(shape: [2], scalars: [-1, -128]))
    }

    func testReadsFloat16() throws {
        // 1, -2, 0.5, 65504 (largest half), 2⁻²⁴ (smallest subnormal half).
        let patterns: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001]
        let data = npyFile(
            "{'descr': '<f2', 'fortran_order': False, 'shape': (5,), }",
            data: patterns.flatMap { littleEndianBytes($0) })
        XCTAssertEqual(try Tensor(npyData: data), Tensor(shape: [5], scalars: [1, -2, 0.5, 65504, 0x1p-24]))
    }

    func testReadsVersion2And3Headers() throws {
        for major: UInt8 in [2, 3] {
            let data = npyFile(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", major: major,
                data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
            XCTAssertEqual(try Tensor(npyData: data), Tensor(shape: [1, 2], scalars: [1, -2]), "version \(major)")
        }
    }

    func testReadsScalarsAndOldStyleHeaders() throws {
        // A 0-d array, and an old writer's 16-byte alignment (read the length, do not assume 64).
        let scalar = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: [0, 0, 0x40, 0x40])
        XCTAssertEqual(try Tensor(npyData: scalar), Tensor(shape: [], scalars: [3]))
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: 15 - (10 + header.utf8.count) % 16) + "\n"
        XCTAssertEqual((10 + header.utf8.count) % 16, 0)
        XCTAssertNotEqual((10 + header.utf8.count) % 64, 0)
        bytes += littleEndianBytes(UInt16(header.utf8.count)) + Array(header.utf8) + [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
        XCTAssertEqual(try Tensor(npyData: Data(bytes)), Tensor(shape: [2], scalars: [1, 2]))
    }

    // MARK: - Files it must refuse, with a VizError and no crash

    /// Fails unless reading `data` throws a VizError at the file saying `not a readable .npy array: <reason>`.
    private func assertRefused(_ data: Data, because reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let error = vizError({ try Tensor(npyData: data, source: "bad.npy") }, file: file, line: line)
        XCTAssertEqual(error?.location, "bad.npy", reason, file: file, line: line)
        XCTAssertEqual(error?.message, "not a readable .npy array: " + reason, file: file, line: line)
    }

    func testRefusesMalformedFiles() {
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        let goodData = [UInt8](repeating: 0, count: 24)
        XCTAssertNoThrow(try Tensor(npyData: npyFile(good, data: goodData)), "the baseline must be readable")

        assertRefused(
            npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: goodData),
            because: "Fortran-ordered arrays are not supported; save with C order")
        assertRefused(
            npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", data: goodData),
            because: "object arrays (pickles) are refused")
        assertRefused(
            npyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", data: goodData),
            because: "dtype '<c8' is not numeric")
        assertRefused(
            npyFile("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", data: goodData),
            because: "dtype '<U3' is not numeric")
        assertRefused(
            npyFile("{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", data: goodData),
            because: "dtype '<f3' is not numeric")
        assertRefused(npyFile(good, data: Array(goodData.dropLast(4))), because: "holds 20 data bytes, its header promises 24")
        assertRefused(npyFile("{'descr': '<f4', 'fortran_order': False, }", data: goodData), because: "header has no 'shape'")
        assertRefused(npyFile("{'fortran_order': False, 'shape': (2, 3), }", data: goodData), because: "header has no 'descr'")
        assertRefused(
            npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", data: goodData),
            because: "cannot read shape '(2, -3)'")
        assertRefused(
            npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", data: goodData),
            because: "cannot read shape '(2, x)'")

        var badMagic = [UInt8](npyFile(good, data: goodData))
        badMagic[1] = UInt8(ascii: "M")
        assertRefused(Data(badMagic), because: "missing the \\x93NUMPY magic")
        var version4 = [UInt8](npyFile(good, data: goodData))
        version4[6] = 4
        assertRefused(Data(version4), because: "format version 4 is not supported")
        var longHeader = [UInt8](npyFile(good, data: goodData))
        longHeader[9] = 0x7F // header length 32 KiB, longer than the file
        assertRefused(Data(longHeader), because: "header is longer than the file")
        assertRefused(Data(npyFile(good, major: 2, data: []).prefix(11)), because: "truncated preamble")
        assertRefused(Data([0x93, 0x4E, 0x55]), because: "missing the \\x93NUMPY magic")
        assertRefused(Data(), because: "missing the \\x93NUMPY magic")
    }

    /// Sizes whose products overflow an Int are refused before anything is allocated.
    func testRefusesShapesTooLargeToCount() {
        assertRefused(
            npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: []),
            because: "shape [4611686018427387904, 4] is too large")
        // 2^61 elements fit in an Int; their 2^63 bytes do not.
        assertRefused(
            npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,), }", data: [0, 0, 0, 0]),
            because: "holds 4 data bytes, its header promises too many")
    }

    func testMissingFileIsAVizError() {
        let path = directory.appendingPathComponent("absent.npy").path
        let error = vizError { try Tensor(npyFileAt: path) }
        XCTAssertEqual(error?.location, path)
        XCTAssertEqual(error?.message, "cannot read the file")
    }

    // MARK: - Tensor basics

    func testBatchItemAndConcatenatingBatches() {
        let t = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.batchItem(1), Tensor(shape: [1, 2], scalars: [3, 4]))
        let joined = Tensor.concatenatingBatches([t.batchItem(2), t.batchItem(0)])
        XCTAssertEqual(joined, Tensor(shape: [2, 2], scalars: [5, 6, 1, 2]))
        XCTAssertEqual(Tensor(shape: [2, 2], scalars: [1, -7, 3, 2]).maxAbs, 7)
        XCTAssertEqual(t.reshaped([2, 3]).shape, [2, 3])
    }
}
