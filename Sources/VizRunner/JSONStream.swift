import Foundation
import VizCore

/// A JSON text written a piece at a time into a `TextOutput`: objects and arrays opened and closed
/// as they come, values given as JSON already encoded (a record `JSONEncoder` wrote, a member
/// `JSONScan` found) or as a list streamed from elsewhere. It places the commas; lists put one
/// element per line, as `manifest.json` has always listed its records.
final class JSONStreamWriter {
    private let output: TextOutput
    /// Per open container: whether it is an array, and whether something was written in it yet.
    private var open: [(isArray: Bool, started: Bool)] = []

    init(output: TextOutput) {
        self.output = output
    }

    func beginObject(key: String? = nil) throws {
        try begin(key: key, "{", isArray: false)
    }

    func endObject() throws {
        open.removeLast()
        try output.write("}")
    }

    func beginArray(key: String? = nil) throws {
        try begin(key: key, "[", isArray: true)
    }

    func endArray() throws {
        let (_, started) = open.removeLast()
        try output.write(started ? "\n]" : "]")
    }

    /// A member or an element that is JSON text already.
    func raw(_ json: Data, key: String? = nil) throws {
        try separate(key: key)
        try output.write(json)
    }

    /// An array whose elements lie in `pieces`, each copied in order by `copy`.
    func list(key: String, pieces: [ListPiece], copy: (ListPiece) throws -> Void) throws {
        try separate(key: key)
        try output.write("[")
        var written = false
        for piece in pieces where piece.count > 0 {
            if written { try output.write(",") }
            try copy(piece)
            written = true
        }
        try output.write(written ? "\n]" : "]")
    }

    private func begin(key: String?, _ bracket: String, isArray: Bool) throws {
        try separate(key: key)
        try output.write(bracket)
        open.append((isArray, false))
    }

    /// The comma before all but a container's first item; an array's items each start a line.
    private func separate(key: String?) throws {
        if let last = open.indices.last {
            if open[last].isArray {
                try output.write(open[last].started ? ",\n" : "\n")
            } else if open[last].started {
                try output.write(",")
            }
            open[last].started = true
        }
        if let key { try output.write("\"\(key)\":") }
    }
}

/// Some elements of a JSON array in a scratch file, each starting a line, as `JSONStreamWriter.list`
/// joins them.
final class ListPiece {
    let file: TextFile
    private(set) var count = 0

    init(file: TextFile) {
        self.file = file
    }

    func append(_ json: Data) throws {
        try file.write(count == 0 ? "\n" : ",\n")
        try file.write(json)
        count += 1
    }
}

/// Where the members of a JSON object and the elements of a JSON array lie in encoded text, found
/// without decoding their values: records `JSONEncoder` wrote are copied as they are.
enum JSONScan {
    /// Each member's key and where its value lies, for the object at `range` (all of `json` if nil).
    static func members(of json: Data, in range: Range<Int>? = nil) throws -> [(key: String, value: Range<Int>)] {
        try json.withUnsafeBytes { bytes in
            var keys: [String] = []
            let values = try items(in: bytes, range ?? 0..<bytes.count, open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) {
                keyStart, keyEnd in
                keys.append(
                    String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(keyStart + 1)..<(keyEnd - 1)]), as: UTF8.self))
            }
            return Array(zip(keys, values))
        }
    }

    /// Where each element of the array at `range` lies.
    static func elements(of json: Data, in range: Range<Int>) throws -> [Range<Int>] {
        try json.withUnsafeBytes { bytes in
            try items(in: bytes, range, open: UInt8(ascii: "["), close: UInt8(ascii: "]"), key: nil)
        }
    }

    private static func items(
        in bytes: UnsafeRawBufferPointer, _ range: Range<Int>, open: UInt8, close: UInt8,
        key: ((Int, Int) -> Void)?
    ) throws -> [Range<Int>] {
        var position = skipSpace(bytes, range.lowerBound)
        guard position < range.upperBound, bytes[position] == open else { throw malformed }
        position = skipSpace(bytes, position + 1)
        var found: [Range<Int>] = []
        if position < range.upperBound, bytes[position] == close { return found }
        while position < range.upperBound {
            if let key {
                let keyEnd = try skipValue(bytes, position)
                key(position, keyEnd)
                position = skipSpace(bytes, keyEnd)
                guard position < range.upperBound, bytes[position] == UInt8(ascii: ":") else { throw malformed }
                position = skipSpace(bytes, position + 1)
            }
            let end = try skipValue(bytes, position)
            found.append(position..<end)
            position = skipSpace(bytes, end)
            guard position < range.upperBound else { break }
            if bytes[position] == close { return found }
            guard bytes[position] == UInt8(ascii: ",") else { throw malformed }
            position = skipSpace(bytes, position + 1)
        }
        throw malformed
    }

    /// Just past the value starting at `start`. Inside a container only quotes, brackets and
    /// braces matter: eight bytes without one (most of a record is numbers and commas) are passed
    /// over at once.
    private static func skipValue(_ bytes: UnsafeRawBufferPointer, _ start: Int) throws -> Int {
        guard start < bytes.count else { return start }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try skipString(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var position = start
            var depth = 0
            while position < bytes.count {
                let end = min(position + 8, bytes.count)
                if end - position == 8, !mayMatter(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                    position = end
                    continue
                }
                while position < end {
                    let byte = bytes[position]
                    if byte | 0x20 == UInt8(ascii: "{") {
                        depth += 1
                    } else if byte | 0x20 == UInt8(ascii: "}") {
                        depth -= 1
                        if depth == 0 { return position + 1 }
                    } else if byte == UInt8(ascii: "\"") {
                        position = try skipString(bytes, position)
                        continue
                    }
                    position += 1
                }
            }
            throw malformed
        default:
            var position = start
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: ",") || byte | 0x20 == UInt8(ascii: "}") || isSpace(byte) { break }
                position += 1
            }
            return position
        }
    }

    /// Whether any of the eight bytes of `word` is a quote, a bracket or a brace: `[` and `{` are
    /// 0x5B and 0x7B, `]` and `}` 0x5D and 0x7D, alike but for bit 5. A byte equal to `b` is a
    /// zero byte of `word ^ b…b`, found by the classic test (x − 0x01…01) & ~x & 0x80…80.
    private static func mayMatter(_ word: UInt64) -> Bool {
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 }
        let folded = word | 0x2020_2020_2020_2020
        return hasZeroByte(folded ^ 0x7B7B_7B7B_7B7B_7B7B) || hasZeroByte(folded ^ 0x7D7D_7D7D_7D7D_7D7D)
            || hasZeroByte(word ^ 0x2222_2222_2222_2222)
    }

    /// Just past the string whose opening quote is at `start`.
    private static func skipString(_ bytes: UnsafeRawBufferPointer, _ start: Int) throws -> Int {
        var position = start + 1
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard position < bytes.count else { throw malformed }
        return position + 1
    }

    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var position = start
        while position < bytes.count, isSpace(bytes[position]) { position += 1 }
        return position
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static var malformed: VizError { VizError("cannot read a record: malformed JSON") }
}
