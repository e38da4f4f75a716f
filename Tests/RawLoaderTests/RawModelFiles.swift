import Foundation
import RawLoader
import VizCore
import VizTesting
import XCTest

/// Writes small raw models into a temporary folder: an architecture file and a `.safetensors`
/// file built tensor by tensor, so each test can break one thing.
final class RawModelFiles {
    struct StoredTensor {
        var name: String
        var dtype = "F32"
        var shape: [Int]
        /// The data; nil = `shape`'s count of float32 values `0.01 × index`.
        var bytes: [UInt8]? = nil
    }

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("raw-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// input 4×4×2 → conv1 (3 filters, 3×3, same) → flat → fc (2 units), PyTorch layout.
    static let architecture = """
        input_shape: [4, 4, 2]
        layout: pytorch
        weights: model.safetensors
        layers:
          - {name: conv1, type: Conv2D, filters: 3, kernel_size: 3, padding: same}
          - {name: flat, type: Flatten}
          - {name: fc, type: Dense, units: 2}
        """

    /// The tensors `architecture` needs, as PyTorch stores them.
    static let tensors = [
        StoredTensor(name: "conv1.weight", shape: [3, 2, 3, 3]), StoredTensor(name: "conv1.bias", shape: [3]),
        StoredTensor(name: "fc.weight", shape: [2, 48]), StoredTensor(name: "fc.bias", shape: [2]),
    ]

    /// Writes `text` as `model.yaml` and `tensors` as `model.safetensors`; returns the architecture's path.
    @discardableResult
    func write(architecture text: String = architecture, tensors: [StoredTensor] = tensors) throws -> String {
        try Data(text.utf8).write(to: folder.appendingPathComponent("model.yaml"))
        try Self.safetensors(tensors).write(to: folder.appendingPathComponent("model.safetensors"))
        return path("model.yaml")
    }

    func load(_ path: String? = nil) throws -> Model {
        try RawModelLoader().load(ModelSpec(path: path ?? self.path("model.yaml")))
    }

    /// The error loading throws, which must be a VizError.
    func loadError(_ path: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> VizError? {
        vizError({ try load(path) }, file: file, line: line)
    }

    // MARK: - Encoding

    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    /// A `.safetensors` file holding `tensors` in order.
    static func safetensors(_ tensors: [StoredTensor]) -> Data {
        var entries: [String] = []
        var payload: [UInt8] = []
        for tensor in tensors {
            let bytes = tensor.bytes ?? float32Bytes((0..<tensor.shape.reduce(1, *)).map { Float($0) * 0.01 })
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(payload.count),\(payload.count + bytes.count)]}")
            payload += bytes
        }
        return safetensors(header: "{" + entries.joined(separator: ",") + "}", payload: payload)
    }

    /// A `.safetensors` file from its parts, the header padded with spaces to a multiple of 8 as writers do.
    static func safetensors(header: String, payload: [UInt8]) -> Data {
        var header = Array(header.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var data = Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
        data.append(contentsOf: header)
        data.append(contentsOf: payload)
        return data
    }
}
