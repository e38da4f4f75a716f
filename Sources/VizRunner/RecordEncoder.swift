import Foundation

/// Encodes records as the journal and `manifest.json` hold them: compact JSON, keys sorted, slashes
/// unescaped, what `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes. It exists
/// for speed: a record holds thousands of numbers (a layer's channel means), and Foundation's
/// encoder boxes and casts each one, which cost more than the network's passes. Numbers are written
/// straight into a byte buffer; only a keyed container keeps its members apart, to sort them.
struct RecordEncoder {
    func encode(_ value: some Encodable) throws -> Data {
        let root = JSONBox(floatTexts: FloatTexts())
        try RecordEncoding(into: root, path: []).encodeValue(value)
        var bytes: [UInt8] = []
        root.write(to: &bytes)
        return Data(bytes)
    }
}

/// A value being encoded, which a container fills after handing it out: a scalar's bytes, an
/// array's elements (scalars written in place, others spliced in where they come), or an object's
/// members.
final class JSONBox {
    private enum Kind { case scalar, array, object }

    private var kind = Kind.scalar
    private var raw = Array("null".utf8)
    private var count = 0
    private var children: [(offset: Int, box: JSONBox)] = []
    private var members: [(key: String, box: JSONBox)] = []
    let floatTexts: FloatTexts

    init(floatTexts: FloatTexts) {
        self.floatTexts = floatTexts
    }

    func becomeObject() {
        guard kind != .object else { return }
        (kind, raw) = (.object, [])
    }

    func becomeArray() {
        guard kind != .array else { return }
        (kind, raw) = (.array, [])
    }

    func setScalar(_ write: (inout [UInt8]) throws -> Void) rethrows {
        var bytes: [UInt8] = []
        try write(&bytes)
        (kind, raw) = (.scalar, bytes)
    }

    /// Sets the scalar `write` writes, if it writes one (returns true).
    func setScalarIfPossible(_ write: (inout [UInt8]) throws -> Bool) rethrows {
        var bytes: [UInt8] = []
        if try write(&bytes) { (kind, raw) = (.scalar, bytes) }
    }

    func member(_ key: String) -> JSONBox {
        let box = JSONBox(floatTexts: floatTexts)
        members.append((key, box))
        return box
    }

    /// Appends a scalar element with `write`, or, when it writes nothing, returns a box for the element.
    func element(_ write: (inout [UInt8]) throws -> Bool) rethrows -> JSONBox? {
        if count > 0 { raw.append(UInt8(ascii: ",")) }
        count += 1
        if try write(&raw) { return nil }
        let box = JSONBox(floatTexts: floatTexts)
        children.append((raw.count, box))
        return box
    }

    var elementCount: Int { count }

    func write(to output: inout [UInt8]) {
        switch kind {
        case .scalar:
            output.append(contentsOf: raw)
        case .array:
            output.append(UInt8(ascii: "["))
            var start = 0
            for (offset, box) in children {
                output.append(contentsOf: raw[start..<offset])
                box.write(to: &output)
                start = offset
            }
            output.append(contentsOf: raw[start...])
            output.append(UInt8(ascii: "]"))
        case .object:
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.box.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20: output.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// The text of the arrays of floats a value holds, by their storage: one array listed twice (a
/// layer's channel means, on its array's record and on its picture's) is written once, and floats'
/// text is most of a record's. Each array is kept with its text, so its storage cannot be freed
/// and reused by another array (one a custom `encode(to:)` makes on the fly) while the texts last.
final class FloatTexts {
    private struct Storage: Hashable {
        let address: UnsafeRawPointer?
        let count: Int
    }

    private var texts: [Storage: (floats: [Float], text: [UInt8])] = [:]

    func text(of floats: [Float], writing write: (inout [UInt8]) throws -> Void) rethrows -> [UInt8] {
        let storage = floats.withUnsafeBufferPointer { Storage(address: UnsafeRawPointer($0.baseAddress), count: $0.count) }
        if let known = texts[storage] { return known.text }
        var text: [UInt8] = []
        try write(&text)
        texts[storage] = (floats, text)
        return text
    }
}

/// The `Encoder` a value encodes itself through, writing into `box`.
private struct RecordEncoding: Encoder {
    let box: JSONBox
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(into box: JSONBox, path: [CodingKey]) {
        self.box = box
        codingPath = path
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        box.becomeArray()
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleValueContainer(box: box, codingPath: codingPath)
    }

    /// Scalars and arrays of floats are written at once; anything else encodes itself.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == [Float].self {
            let floats = unsafeBitCast(value, to: [Float].self)
            let text = try box.floatTexts.text(of: floats) { output in
                output.append(UInt8(ascii: "["))
                for (index, float) in floats.enumerated() {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    try Self.writeNumber(float, finite: float.isFinite, to: &output, path: codingPath)
                }
                output.append(UInt8(ascii: "]"))
            }
            box.setScalar { $0 = text }
            return
        }
        var isScalar = false
        try box.setScalarIfPossible {
            isScalar = try Self.writeScalar(value, to: &$0, path: codingPath)
            return isScalar
        }
        if !isScalar { try value.encode(to: self) }
    }

    /// Writes `value` if it is a scalar; returns whether it was.
    static func writeScalar<T: Encodable>(_ value: T, to output: inout [UInt8], path: [CodingKey]) throws -> Bool {
        // Channel means are most of a record: a float is recognised without a dynamic cast.
        if T.self == Float.self {
            let float = unsafeBitCast(value, to: Float.self)
            try writeNumber(float, finite: float.isFinite, to: &output, path: path)
            return true
        }
        // So are names, paths and sizes; the casts below are for other scalars, and each costs
        // more than writing the value.
        if T.self == String.self {
            JSONBox.appendString(unsafeBitCast(value, to: String.self), to: &output)
            return true
        }
        if T.self == Int.self {
            output.append(contentsOf: String(unsafeBitCast(value, to: Int.self)).utf8)
            return true
        }
        switch value {
        case let float as Float: try writeNumber(float, finite: float.isFinite, to: &output, path: path)
        case let double as Double: try writeNumber(double, finite: double.isFinite, to: &output, path: path)
        case let integer as any BinaryInteger: output.append(contentsOf: String(describing: integer).utf8)
        case let string as String: JSONBox.appendString(string, to: &output)
        case let bool as Bool: output.append(contentsOf: (bool ? "true" : "false").utf8)
        default: return false
        }
        return true
    }

    /// As `JSONEncoder` writes it: integral values without a fraction, no non-finite values.
    private static func writeNumber<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F, finite: Bool, to output: inout [UInt8], path: [CodingKey]
    ) throws {
        guard finite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) is not valid JSON"))
        }
        output.append(contentsOf: value.description.utf8)
        if output.count >= 2, output[output.count - 2] == UInt8(ascii: "."), output[output.count - 1] == UInt8(ascii: "0") {
            output.removeLast(2)
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONBox
    let codingPath: [CodingKey]

    private func member(_ key: Key) -> JSONBox {
        box.member(key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws {
        _ = member(key)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try RecordEncoding(into: member(key), path: codingPath + [key]).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        RecordEncoding(into: member(key), path: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        RecordEncoding(into: member(key), path: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        RecordEncoding(into: member(Key(stringValue: "super")!), path: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        RecordEncoding(into: member(key), path: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: JSONBox
    let codingPath: [CodingKey]
    var count: Int { box.elementCount }

    private func element() -> JSONBox {
        box.element { _ in false }!
    }

    mutating func encodeNil() throws {
        _ = box.element {
            $0.append(contentsOf: "null".utf8)
            return true
        }
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath
        if let element = try box.element({ try RecordEncoding.writeScalar(value, to: &$0, path: path) }) {
            try RecordEncoding(into: element, path: codingPath).encodeValue(value)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        RecordEncoding(into: element(), path: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        RecordEncoding(into: element(), path: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        RecordEncoding(into: element(), path: codingPath)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let box: JSONBox
    let codingPath: [CodingKey]

    mutating func encodeNil() throws {
        box.setScalar { $0.append(contentsOf: "null".utf8) }
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try RecordEncoding(into: box, path: codingPath).encodeValue(value)
    }

    mutating func encode(_ value: Bool) throws { try encodeScalar(value) }
    mutating func encode(_ value: String) throws { try encodeScalar(value) }
    mutating func encode(_ value: Double) throws { try encodeScalar(value) }
    mutating func encode(_ value: Float) throws { try encodeScalar(value) }
    mutating func encode(_ value: Int) throws { try encodeScalar(value) }
    mutating func encode(_ value: Int8) throws { try encodeScalar(value) }
    mutating func encode(_ value: Int16) throws { try encodeScalar(value) }
    mutating func encode(_ value: Int32) throws { try encodeScalar(value) }
    mutating func encode(_ value: Int64) throws { try encodeScalar(value) }
    mutating func encode(_ value: UInt) throws { try encodeScalar(value) }
    mutating func encode(_ value: UInt8) throws { try encodeScalar(value) }
    mutating func encode(_ value: UInt16) throws { try encodeScalar(value) }
    mutating func encode(_ value: UInt32) throws { try encodeScalar(value) }
    mutating func encode(_ value: UInt64) throws { try encodeScalar(value) }

    private func encodeScalar<T: Encodable>(_ value: T) throws {
        let path = codingPath
        try box.setScalar { _ = try RecordEncoding.writeScalar(value, to: &$0, path: path) }
    }
}
