import Foundation
import VizCore

/// A `.safetensors` file: an 8-byte little-endian header length N, N bytes of JSON describing each
/// tensor (`dtype`, `shape`, `data_offsets` relative to the data), then the data.
///
/// The header is checked the way the reference implementation checks it (FORMATS.md §6): the
/// tensors must tile the data from its first byte to the file's last, each spanning exactly the
/// bytes its dtype and shape need, so a header that lies is caught before anything is read.
struct SafetensorsFile: WeightFile {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        /// Byte range in the file (not relative to the data).
        let bytes: Range<Int>
    }

    /// The reference implementation's limit on the header's size.
    static let maximumHeaderLength = 100_000_000

    /// Bits per element of every dtype the format defines; only the float ones are readable.
    static let bitsPerElement: [String: Int] = [
        "BOOL": 8, "U8": 8, "I8": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
        "F32": 32, "F64": 64, "I64": 64, "U64": 64, "C64": 64, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
        "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    ]
    static let readableDTypes = ["F32", "F16", "BF16", "F64"]

    let path: String
    let entries: [Entry]
    private let data: Data

    init(path: String) throws {
        try self.init(data: try WeightFiles.mappedContents(of: path), path: path)
    }

    /// Parses and checks the header of `data`; `path` names it in errors.
    init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        func fail(_ message: String) -> VizError { VizError("not a valid .safetensors file: \(message)", at: path) }
        guard data.count >= 8 else { throw fail("it is \(data.count) bytes, too short for the 8-byte header length") }
        let declared = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw fail("the header length \(declared) exceeds the format's limit of \(Self.maximumHeaderLength) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= data.count - 8 else {
            throw fail("the header is \(headerLength) bytes long, but the file ends \(data.count - 8) bytes after the length")
        }
        let header = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + headerLength))
        guard header.first == UInt8(ascii: "{"),
            let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any]
        else {
            throw fail("the header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        var entries: [Entry] = []
        for (name, value) in object where name != "__metadata__" {
            entries.append(try Self.entry(name, value, dataStart: dataStart, fail: fail))
        }
        entries.sort { ($0.bytes.lowerBound, $0.bytes.upperBound, $0.name) < ($1.bytes.lowerBound, $1.bytes.upperBound, $1.name) }
        var end = dataStart
        for entry in entries {
            guard entry.bytes.lowerBound == end else {
                let relation =
                    entry.bytes.lowerBound < end ? "overlaps the tensor before it" : "leaves a gap after the tensor before it"
                throw fail(
                    "tensor '\(entry.name)' starts at data byte \(entry.bytes.lowerBound - dataStart), which "
                        + relation + " (ending at \(end - dataStart)): the header's offsets are wrong")
            }
            end = entry.bytes.upperBound
        }
        guard end <= data.count else {
            let last = entries.last!
            throw fail(
                "its header places tensor '\(last.name)' up to byte \(end), but the file has only \(data.count) "
                    + "bytes (truncated?)")
        }
        guard end == data.count else {
            throw fail("it has \(data.count - end) bytes after the last tensor's data, which its header does not describe")
        }
        self.entries = entries
    }

    /// One header entry, checked on its own.
    private static func entry(_ name: String, _ value: Any, dataStart: Int, fail: (String) -> VizError) throws -> Entry {
        guard let fields = value as? [String: Any] else { throw fail("the header entry of tensor '\(name)' is not an object") }
        guard let dtype = fields["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
        guard let bits = bitsPerElement[dtype] else { throw fail("tensor '\(name)' has unknown dtype '\(dtype)'") }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("tensor '\(name)' has no valid shape (a list of sizes)")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
            offsets[1] <= maximumDataLength
        else {
            throw fail("tensor '\(name)' has no valid data_offsets [begin, end]")
        }
        var elements = 1
        for size in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumDataLength else { throw fail("tensor '\(name)' has too large a shape \(shape)") }
            elements = product
        }
        guard (elements * bits) % 8 == 0, offsets[1] - offsets[0] == elements * bits / 8 else {
            throw fail(
                "tensor '\(name)' (\(dtype), shape \(ShapeCheck.describe(shape))) needs \(elements * bits / 8) bytes, "
                    + "but its data_offsets [\(offsets[0]), \(offsets[1])] span \(offsets[1] - offsets[0])")
        }
        return Entry(name: name, dtype: dtype, shape: shape, bytes: (dataStart + offsets[0])..<(dataStart + offsets[1]))
    }

    /// Far above any real file, and low enough that offsets and sizes never overflow when added.
    private static let maximumDataLength = 1 << 48

    /// A JSON list of whole numbers, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        let numbers = list.compactMap { item -> Int? in
            guard let number = item as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < Double(1 << 52) else { return nil }
            return Int(double)
        }
        return numbers.count == list.count ? numbers : nil
    }

    // MARK: - Tensors

    var tensorNames: [String] { entries.map(\.name) }

    func tensor(named name: String) throws -> Tensor {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw VizError("holds no tensor named '\(name)'", at: path)
        }
        guard Self.readableDTypes.contains(entry.dtype) else {
            throw VizError(
                "tensor '\(name)' has dtype \(entry.dtype), which vizrun cannot read as float32 (it reads "
                    + Self.readableDTypes.joined(separator: ", ") + ")", at: path)
        }
        let count = entry.shape.reduce(1, *)
        let start = data.startIndex + entry.bytes.lowerBound
        let scalars = data[start..<(data.startIndex + entry.bytes.upperBound)].withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                Self.decode(raw, dtype: entry.dtype, into: buffer)
                initialized = count
            }
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    /// Little-endian `dtype` elements into Float32: F16 and BF16 widen exactly, F64 rounds to nearest.
    private static func decode(_ raw: UnsafeRawBufferPointer, dtype: String, into buffer: UnsafeMutableBufferPointer<Float>) {
        func element<T: FixedWidthInteger>(_ type: T.Type, _ index: Int) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
        }
        switch dtype {
        case "F32":
            // Every platform vizrun builds for is little-endian: the bytes are the floats.
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
        case "F16":
            for index in buffer.indices { buffer[index] = Float(Float16(bitPattern: element(UInt16.self, index))) }
        case "BF16":
            for index in buffer.indices { buffer[index] = Float(bitPattern: UInt32(element(UInt16.self, index)) << 16) }
        default:
            for index in buffer.indices { buffer[index] = Float(Double(bitPattern: element(UInt64.self, index))) }
        }
    }
}
