import Foundation

/// NumPy `.npy` reading and writing (format versions 1–3, C order, little- or big-endian numbers).
extension Tensor {
    /// Reads an `.npy` file; integer, float16/32/64 and bool arrays become Float32.
    public init(npyFileAt path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VizError("cannot read the file", at: path)
        }
        try self.init(npyData: data, source: path)
    }

    public init(npyData data: Data, source: String = "<npy>") throws {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> VizError { VizError("not a readable .npy array: \(message)", at: source) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated preamble") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("format version \(major) is not supported")
        }
        guard headerStart + headerLength <= bytes.count,
            let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
        else { throw fail("header is longer than the file") }
        let fields = try NpyHeader(parsing: header, fail: fail)
        var elementCount = 1
        for dim in fields.shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("shape \(fields.shape) is too large") }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: fields.itemSize)
        let payload = bytes[(headerStart + headerLength)...]
        guard !overflow, payload.count >= byteCount else {
            throw fail("holds \(payload.count) data bytes, its header promises \(overflow ? "too many" : String(byteCount))")
        }
        let scalars = try payload.withUnsafeBytes { raw in
            try fields.decode(raw, count: elementCount, fail: fail)
        }
        self.init(shape: fields.shape, scalars: scalars)
    }

    /// The array as `.npy` version 1.0 bytes, little-endian float32.
    public func npyData() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let preamble = 10
        let padding = 64 - (preamble + header.utf8.count + 1) % 64
        header += String(repeating: " ", count: padding % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        scalars.withUnsafeBufferPointer { buffer in
            // Every platform vizrun builds for is little-endian, as is '<f4'.
            data.append(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(buffer.baseAddress!)
                        .assumingMemoryBound(to: UInt8.self), count: buffer.count * 4))
        }
        return data
    }

    public func writeNpy(to path: String) throws {
        do { try FileWriting.write(npyData(), toFile: path) } catch {
            throw VizError("cannot write the file: \(error.localizedDescription)", at: path)
        }
    }
}

/// The dict literal at the start of an `.npy` file: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
private struct NpyHeader {
    var littleEndian: Bool
    var kind: Character
    var itemSize: Int
    var shape: [Int]

    init(parsing header: String, fail: (String) -> VizError) throws {
        func value(of key: String) -> Substring? {
            guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            let rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
            return rest
        }
        guard let descrRest = value(of: "descr"), let quote = descrRest.first, quote == "'" || quote == "\"" else {
            throw fail("header has no 'descr'")
        }
        let descr = descrRest.dropFirst().prefix { $0 != quote }
        if descr.dropFirst().first == "O" { throw fail("object arrays (pickles) are refused") }
        guard descr.count >= 3, let order = descr.first, let kind = descr.dropFirst().first,
            let size = Int(descr.dropFirst(2))
        else { throw fail("cannot read dtype '\(VizError.quoting(descr))'") }
        guard "<>|=".contains(order) else { throw fail("cannot read dtype '\(VizError.quoting(descr))'") }
        let supported: [Character: [Int]] = ["f": [2, 4, 8], "i": [1, 2, 4, 8], "u": [1, 2, 4, 8], "b": [1]]
        guard supported[kind]?.contains(size) == true else { throw fail("dtype '\(VizError.quoting(descr))' is not numeric") }
        guard let fortran = value(of: "fortran_order") else { throw fail("header has no 'fortran_order'") }
        if fortran.hasPrefix("True") { throw fail("Fortran-ordered arrays are not supported; save with C order") }
        guard let shapeRest = value(of: "shape"), shapeRest.first == "(" else { throw fail("header has no 'shape'") }
        let inside = shapeRest.dropFirst().prefix { $0 != ")" }
        var dims: [Int] = []
        for part in inside.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0 else { throw fail("cannot read shape '(\(VizError.quoting(inside)))'") }
            dims.append(dim)
        }
        littleEndian = order != ">"
        self.kind = kind
        itemSize = size
        shape = dims
    }

    func decode(_ raw: UnsafeRawBufferPointer, count: Int, fail: (String) -> VizError) throws -> [Float] {
        var out = [Float](repeating: 0, count: count)
        func word<T: FixedWidthInteger>(_ type: T.Type, _ index: Int) -> T {
            let value = raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
            return littleEndian ? T(littleEndian: value) : T(bigEndian: value)
        }
        for index in 0..<count {
            switch (kind, itemSize) {
            case ("f", 2): out[index] = Float(Float16(bitPattern: word(UInt16.self, index)))
            case ("f", 4): out[index] = Float(bitPattern: word(UInt32.self, index))
            case ("f", 8): out[index] = Float(Double(bitPattern: word(UInt64.self, index)))
            case ("i", 1): out[index] = Float(word(Int8.self, index))
            case ("i", 2): out[index] = Float(word(Int16.self, index))
            case ("i", 4): out[index] = Float(word(Int32.self, index))
            case ("i", 8): out[index] = Float(word(Int64.self, index))
            case ("u", 1), ("b", 1): out[index] = Float(word(UInt8.self, index))
            case ("u", 2): out[index] = Float(word(UInt16.self, index))
            case ("u", 4): out[index] = Float(word(UInt32.self, index))
            case ("u", 8): out[index] = Float(word(UInt64.self, index))
            default: throw fail("unsupported dtype")
            }
        }
        return out
    }
}
