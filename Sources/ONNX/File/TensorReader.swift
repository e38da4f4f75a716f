import Foundation
import VizCore

/// Turns stored `TensorProto`s into `ConstantTensor`s: values inline (raw bytes or typed fields) or
/// in external data files beside the model, read a tensor at a time.
///
/// Every size comes from the file, so each is checked before anything is allocated from it.
final class TensorReader {
    private let path: String
    private let folder: URL
    private var externalFiles: [String: ExternalDataFile] = [:]

    init(_ file: ONNXModelFile) {
        path = file.path
        folder = file.folder
    }

    func error(_ message: String) -> VizError { VizError(message, at: path) }

    func constant(_ proto: Onnx_TensorProto, role: String) throws -> ConstantTensor {
        let name = "\(role) '\(proto.name)'"
        guard let type = ElementType(rawValue: proto.dataType) else {
            throw error("\(name) holds \(ElementType.name(of: proto.dataType)) values, which vizrun does not read")
        }
        var shape: [Int] = []
        var count = 1
        for dim in proto.dims {
            guard dim >= 0, let size = Int(exactly: dim) else { throw error("\(name) has a negative dimension in \(proto.dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) else {
                throw error("\(name) has dims \(proto.dims), too many values for one tensor")
            }
            shape.append(size)
            count = product
        }
        let byteCount = count * type.byteCount
        if proto.dataLocation == 1 {
            let read = try externalRead(proto, name: name, byteCount: byteCount)
            return try decode(type: type, shape: shape, count: count, filling: read)
        }
        if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw error(
                    "\(name) has \(proto.rawData.count) bytes of raw data; its dims \(proto.dims) of "
                        + "\(ElementType.name(of: proto.dataType)) need \(byteCount)")
            }
            return try decode(type: type, shape: shape, count: count) { bytes in
                proto.rawData.withUnsafeBytes { bytes.copyMemory(from: $0) }
            }
        }
        return try typedFields(proto, type: type, shape: shape, count: count, name: name)
    }

    /// The `count` values that `fill` writes raw (little-endian) into the bytes it is given: FLOAT
    /// straight into the tensor's storage on a little-endian machine (weights are most of a model's
    /// bytes, so they are copied once), every other type through a buffer, converted a value at a time.
    private func decode(
        type: ElementType, shape: [Int], count: Int, filling fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws -> ConstantTensor {
        #if _endian(little)
            if type == .float {
                let floats = try [Float](unsafeUninitializedCapacity: count) { storage, initialized in
                    try fill(UnsafeMutableRawBufferPointer(storage))
                    initialized = count
                }
                return ConstantTensor(shape: shape, floats: floats)
            }
        #endif
        let size = type.byteCount
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count * size, alignment: 8)
        defer { bytes.deallocate() }
        try fill(bytes)
        let raw = UnsafeRawBufferPointer(bytes)
        if type.isFloatingPoint {
            return ConstantTensor(shape: shape, floats: (0..<count).map { type.float(raw, at: $0 * size) })
        }
        return ConstantTensor(shape: shape, integers: (0..<count).map { type.integer(raw, at: $0 * size) })
    }

    /// Values kept in the typed repeated fields, where ONNX puts each type.
    private func typedFields(
        _ proto: Onnx_TensorProto, type: ElementType, shape: [Int], count: Int,
        name: String
    ) throws -> ConstantTensor {
        let stored: Int
        let tensor: ConstantTensor
        switch type {
        case .float:
            stored = proto.floatData.count
            tensor = ConstantTensor(shape: shape, floats: proto.floatData)
        case .double:
            stored = proto.doubleData.count
            tensor = ConstantTensor(shape: shape, floats: proto.doubleData.map { Float($0) })
        case .float16, .bfloat16:
            stored = proto.int32Data.count
            tensor = ConstantTensor(
                shape: shape,
                floats: proto.int32Data.map {
                    type == .float16
                        ? ElementType.half(UInt16(truncatingIfNeeded: $0))
                        : Float(bitPattern: UInt32(truncatingIfNeeded: $0) << 16)
                })
        case .int64:
            stored = proto.int64Data.count
            tensor = ConstantTensor(shape: shape, integers: proto.int64Data)
        case .uint32, .uint64:
            stored = proto.uint64Data.count
            tensor = ConstantTensor(shape: shape, integers: proto.uint64Data.map { Int64(truncatingIfNeeded: $0) })
        case .int32, .int16, .int8, .uint16, .uint8, .bool:
            stored = proto.int32Data.count
            tensor = ConstantTensor(shape: shape, integers: proto.int32Data.map { Int64($0) })
        }
        guard stored == count else {
            throw error("\(name) holds \(stored) values; its dims \(proto.dims) need \(count)")
        }
        return tensor
    }

    // MARK: - External data

    /// Checks where `proto`'s external data lies; the function returned reads it into the bytes it is given.
    private func externalRead(
        _ proto: Onnx_TensorProto, name: String, byteCount: Int
    ) throws -> (UnsafeMutableRawBufferPointer) throws -> Void {
        var entries: [String: String] = [:]
        for entry in proto.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw error("\(name) keeps its data externally but names no location")
        }
        func number(_ key: String) throws -> Int? {
            guard let text = entries[key] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw error("\(name) has external data \(key) '\(text)', not a byte count")
            }
            return value
        }
        let offset = try number("offset") ?? 0
        let length = try number("length") ?? byteCount
        guard length == byteCount else {
            throw error(
                "\(name) has \(length) bytes of external data; its dims \(proto.dims) of "
                    + "\(ElementType.name(of: proto.dataType)) need \(byteCount)")
        }
        let file = try externalFile(location, tensor: name)
        guard offset <= file.size, length <= file.size - offset else {
            throw error("\(name) needs bytes \(offset)..<\(offset + length) of '\(location)', which has only \(file.size)")
        }
        return { bytes in
            do { try file.read(offset: offset, into: bytes) } catch {
                throw self.error("\(name): reading \(length) bytes at offset \(offset) of '\(location)' failed (\(error))")
            }
        }
    }

    /// The data file at `location`, refused unless it lies inside the model's folder: a model must
    /// never make vizrun read an arbitrary file.
    private func externalFile(_ location: String, tensor: String) throws -> ExternalDataFile {
        if let open = externalFiles[location] { return open }
        let components = location.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        let escapes =
            location.hasPrefix("/") || location.hasPrefix("\\") || location.contains(":")
            || components.contains("..")
        let root = folder.resolvingSymlinksInPath().path
        let resolved = folder.appendingPathComponent(location).resolvingSymlinksInPath().path
        guard !escapes, resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw error(
                "\(tensor) keeps its data in '\(location)', outside the model's folder; vizrun reads external "
                    + "data only from files inside the folder of the model")
        }
        guard let file = ExternalDataFile(path: resolved) else {
            throw error(
                "\(tensor) keeps its data in '\(location)', which is missing from the model's folder "
                    + "(copy it beside the model)")
        }
        externalFiles[location] = file
        return file
    }
}

/// One external data file, open for reading pieces of it.
private final class ExternalDataFile {
    private let handle: FileHandle
    let size: Int

    init?(path: String) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
            let handle = FileHandle(forReadingAtPath: path),
            let end = try? handle.seekToEnd(), let size = Int(exactly: end)
        else { return nil }
        self.handle = handle
        self.size = size
    }

    deinit { try? handle.close() }

    /// Fills `bytes` from the file's bytes at `offset`, straight into them (no buffer in between).
    func read(offset: Int, into bytes: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let got = pread(handle.fileDescriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw VizError(
                    got < 0 ? String(cString: strerror(errno)) : "read \(done) of \(bytes.count) bytes at offset \(offset)")
            }
            done += got
        }
    }
}
