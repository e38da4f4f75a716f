import Foundation
import VizCore

extension Bitmap {
    /// An animated GIF of equally sized frames, looping forever, `delay` hundredths of a second each.
    ///
    /// Grey frames keep all 256 levels. Colour frames are mapped to a fixed palette (a 6×6×6 colour
    /// cube plus 40 greys) without dithering: enough to watch an optimisation unfold, and the same
    /// palette for every frame, so the animation does not flicker.
    public static func gifData(frames: [Bitmap], delay: Int = 10) throws -> Data {
        guard let first = frames.first else { throw VizError("an animation needs at least one frame") }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw VizError("the frames of an animation must have one size")
        }
        guard first.width <= 0xFFFF, first.height <= 0xFFFF else { throw VizError("the frames are too large for a GIF") }
        let grey = frames.allSatisfy { $0.channels == 1 }
        let palette = grey ? GIFPalette.grey : GIFPalette.cube
        var data = Data("GIF89a".utf8)
        data.appendLittleEndian(UInt16(first.width))
        data.appendLittleEndian(UInt16(first.height))
        data.append(contentsOf: [0xF7, 0, 0]) // global colour table of 256 entries, 8 bits per primary
        data.append(contentsOf: palette.colors)
        // NETSCAPE2.0 application extension: loop forever.
        data.append(contentsOf: [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01, 0x00, 0x00, 0x00])
        for frame in frames {
            data.append(contentsOf: [0x21, 0xF9, 0x04, 0x00]) // graphic control: no transparency
            data.appendLittleEndian(UInt16(clamping: max(delay, 0)))
            data.append(contentsOf: [0x00, 0x00])
            data.append(0x2C) // image descriptor: whole canvas, no local table
            data.appendLittleEndian(UInt16(0))
            data.appendLittleEndian(UInt16(0))
            data.appendLittleEndian(UInt16(frame.width))
            data.appendLittleEndian(UInt16(frame.height))
            data.append(0x00)
            data.append(8) // LZW minimum code size
            let compressed = GIFLZW.compress(palette.indices(frame), minimumCodeSize: 8)
            var offset = 0
            while offset < compressed.count {
                let length = min(255, compressed.count - offset)
                data.append(UInt8(length))
                data.append(contentsOf: compressed[offset..<(offset + length)])
                offset += length
            }
            data.append(0x00)
        }
        data.append(0x3B)
        return data
    }
}

/// The 256-colour table every frame shares.
struct GIFPalette {
    let colors: [UInt8]
    let indices: (Bitmap) -> [UInt8]

    static let grey = GIFPalette(colors: (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }) { bitmap in
        bitmap.channels == 1 ? bitmap.pixels : (0..<(bitmap.width * bitmap.height)).map { bitmap.pixels[$0 * bitmap.channels] }
    }

    /// Entries 0–215: the colour cube, level i = 51·i; 216–255: 40 greys between the cube's levels.
    static let cube: GIFPalette = {
        var colors: [UInt8] = []
        for r in 0..<6 { for g in 0..<6 { for b in 0..<6 { colors += [UInt8(r * 51), UInt8(g * 51), UInt8(b * 51)] } } }
        let greys = (0..<40).map { UInt8((Double($0) + 0.5) * 255 / 40) }
        for level in greys { colors += [level, level, level] }
        return GIFPalette(colors: colors) { bitmap in
            let count = bitmap.width * bitmap.height
            return (0..<count).map { pixel in
                let base = pixel * bitmap.channels
                let (r, g, b) =
                    bitmap.channels == 1
                    ? (bitmap.pixels[base], bitmap.pixels[base], bitmap.pixels[base])
                    : (bitmap.pixels[base], bitmap.pixels[base + 1], bitmap.pixels[base + 2])
                func level(_ v: UInt8) -> Int { (Int(v) * 5 + 127) / 255 }
                let cubeIndex = level(r) * 36 + level(g) * 6 + level(b)
                guard r == g, g == b else { return UInt8(cubeIndex) }
                // A grey pixel takes the nearer of the cube's grey and the 40 extra greys.
                let greyIndex = min(39, Int(r) * 40 / 256)
                let cubeError = abs(Int(r) - level(r) * 51)
                let greyError = abs(Int(r) - Int(greys[greyIndex]))
                return greyError < cubeError ? UInt8(216 + greyIndex) : UInt8(cubeIndex)
            }
        }
    }()
}

/// GIF's variable-width LZW, least significant bit first.
enum GIFLZW {
    static func compress(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        let clear = 1 << minimumCodeSize
        let end = clear + 1
        var output: [UInt8] = []
        var bitBuffer = 0
        var bitCount = 0
        var codeSize = minimumCodeSize + 1
        func emit(_ code: Int) {
            bitBuffer |= code << bitCount
            bitCount += codeSize
            while bitCount >= 8 {
                output.append(UInt8(bitBuffer & 0xFF))
                bitBuffer >>= 8
                bitCount -= 8
            }
        }
        // (prefix code << 8 | next index) → code
        var table: [Int: Int] = [:]
        var nextCode = end + 1
        emit(clear)
        guard var prefix = indices.first.map(Int.init) else {
            emit(end)
            if bitCount > 0 { output.append(UInt8(bitBuffer & 0xFF)) }
            return output
        }
        for index in indices.dropFirst() {
            let key = prefix << 8 | Int(index)
            if let code = table[key] {
                prefix = code
                continue
            }
            emit(prefix)
            if nextCode < 4096 {
                table[key] = nextCode
                // The decoder widens its codes one code later than the encoder adds the entry.
                if nextCode == 1 << codeSize, codeSize < 12 { codeSize += 1 }
                nextCode += 1
            } else {
                emit(clear)
                table.removeAll(keepingCapacity: true)
                nextCode = end + 1
                codeSize = minimumCodeSize + 1
            }
            prefix = Int(index)
        }
        emit(prefix)
        emit(end)
        if bitCount > 0 { output.append(UInt8(bitBuffer & 0xFF)) }
        return output
    }
}

extension Data {
    fileprivate mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }
}
