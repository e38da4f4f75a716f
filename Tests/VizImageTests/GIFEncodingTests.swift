import Foundation
import VizCore
import XCTest

@testable import VizImage

/// The GIF writer against an independent LZW decoder written from the GIF89a specification.
final class GIFEncodingTests: XCTestCase {
    func testLZWRoundTripsAcrossTableResets() {
        var generator = SeededGenerator(seed: 5)
        // Long, repetitive and noisy runs: the table fills (4096 codes) and resets several times.
        var indices: [UInt8] = []
        for block in 0..<200 {
            for i in 0..<400 { indices.append(block % 3 == 0 ? UInt8(i % 7) : UInt8(generator.next() % 256)) }
        }
        let compressed = GIFLZW.compress(indices, minimumCodeSize: 8)
        XCTAssertEqual(try LZWReader.decode(compressed, minimumCodeSize: 8), indices)
        XCTAssertEqual(try LZWReader.decode(GIFLZW.compress([], minimumCodeSize: 8), minimumCodeSize: 8), [])
        XCTAssertEqual(try LZWReader.decode(GIFLZW.compress([9], minimumCodeSize: 8), minimumCodeSize: 8), [9])
    }

    func testGreyAnimationKeepsEveryLevelAndFrame() throws {
        let frames = (0..<3).map { shift in
            Bitmap(width: 16, height: 16, channels: 1, pixels: (0..<256).map { UInt8(($0 + shift * 40) % 256) })
        }
        let data = try Bitmap.gifData(frames: frames, delay: 7)
        XCTAssertEqual(String(decoding: data.prefix(6), as: UTF8.self), "GIF89a")
        XCTAssertEqual(data.last, 0x3B)
        let decoded = try MinimalGIF(data)
        XCTAssertEqual(decoded.frames.count, 3)
        XCTAssertEqual(decoded.delays, [7, 7, 7])
        for (frame, original) in zip(decoded.frames, frames) {
            XCTAssertEqual(frame.map { decoded.palette[Int($0) * 3] }, original.pixels)
        }
    }

    func testColourFramesMapToTheNearestCubeColour() throws {
        let frame = Bitmap(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 100, 100, 100])
        let decoded = try MinimalGIF(Bitmap.gifData(frames: [frame]))
        let colours = decoded.frames[0].map { Array(decoded.palette[(Int($0) * 3)..<(Int($0) * 3 + 3)]) }
        XCTAssertEqual(colours[0], [255, 0, 0])
        XCTAssertLessThan(abs(Int(colours[1][0]) - 100), 4, "greys use the 40 extra grey levels")
        XCTAssertEqual(colours[1][0], colours[1][1])
    }

    func testMismatchedFramesAreRefused() {
        XCTAssertThrowsError(try Bitmap.gifData(frames: []))
        XCTAssertThrowsError(
            try Bitmap.gifData(frames: [
                Bitmap(width: 2, height: 2, channels: 1),
                Bitmap(width: 3, height: 2, channels: 1),
            ]))
    }
}

/// LZW decoding as the GIF89a specification describes it (appendix F), independent of the encoder.
private enum LZWReader {
    struct Malformed: Error {}

    static func decode(_ bytes: [UInt8], minimumCodeSize: Int) throws -> [UInt8] {
        let clear = 1 << minimumCodeSize
        let end = clear + 1
        var codeSize = minimumCodeSize + 1
        var table: [[UInt8]] = []
        func reset() {
            table = (0..<clear).map { [UInt8($0)] } + [[], []]
            codeSize = minimumCodeSize + 1
        }
        reset()
        var output: [UInt8] = []
        var bitPosition = 0
        var previous: [UInt8]?
        while true {
            guard bitPosition + codeSize <= bytes.count * 8 else { throw Malformed() }
            var code = 0
            for bit in 0..<codeSize where bytes[(bitPosition + bit) / 8] & (1 << ((bitPosition + bit) % 8)) != 0 {
                code |= 1 << bit
            }
            bitPosition += codeSize
            if code == clear {
                reset()
                previous = nil
                continue
            }
            if code == end { return output }
            let entry: [UInt8]
            if code < table.count {
                entry = table[code]
            } else if code == table.count, let previous {
                entry = previous + [previous[0]]
            } else {
                throw Malformed()
            }
            output += entry
            if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
            if table.count == 1 << codeSize, codeSize < 12 { codeSize += 1 }
            previous = entry
        }
    }
}

/// Just enough of a GIF reader for the files `gifData` writes: global palette, frames, delays.
private struct MinimalGIF {
    var palette: [UInt8] = []
    var frames: [[UInt8]] = []
    var delays: [Int] = []

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        var position = 13
        let flags = bytes[10]
        if flags & 0x80 != 0 {
            let size = 3 * (1 << (Int(flags & 7) + 1))
            palette = Array(bytes[position..<(position + size)])
            position += size
        }
        func subBlocks() -> [UInt8] {
            var out: [UInt8] = []
            while bytes[position] != 0 {
                let length = Int(bytes[position])
                out += bytes[(position + 1)...(position + length)]
                position += length + 1
            }
            position += 1
            return out
        }
        while position < bytes.count {
            switch bytes[position] {
            case 0x21:
                let label = bytes[position + 1]
                position += 2
                let block = subBlocks()
                if label == 0xF9 { delays.append(Int(block[1]) | Int(block[2]) << 8) }
            case 0x2C:
                position += 10
                let codeSize = Int(bytes[position])
                position += 1
                frames.append(try LZWReader.decode(subBlocks(), minimumCodeSize: codeSize))
            case 0x3B:
                return
            default:
                throw LZWReader.Malformed()
            }
        }
    }
}
