import Foundation
import XCTest

@testable import ONNX

/// Each element type's values read the same from the three places ONNX keeps them: raw bytes in
/// the tensor, an external data file beside the model (at an offset) and the type's repeated field.
final class TensorReaderTests: TemporaryFolderTestCase {
    private struct Stored {
        let type: Int32
        let dims: [Int64]
        /// Little-endian, as ONNX stores raw and external data.
        let bytes: [UInt8]
        let typedField: (inout Onnx_TensorProto) -> Void
        let expected: ConstantTensor
    }

    private static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    private static let cases: [Stored] = [
        Stored(
            type: 1, dims: [2, 2], bytes: littleEndian([Float(1.5), -2.25, 3e-8, 0].map(\.bitPattern)),
            typedField: { $0.floatData = [1.5, -2.25, 3e-8, 0] },
            expected: ConstantTensor(shape: [2, 2], floats: [1.5, -2.25, 3e-8, 0])),
        Stored(
            type: 11, dims: [3], bytes: littleEndian([Double(1.5), -2.25, 1e300].map(\.bitPattern)),
            typedField: { $0.doubleData = [1.5, -2.25, 1e300] },
            expected: ConstantTensor(shape: [3], floats: [1.5, -2.25, .infinity])),
        // 1.5, -2.25 and the smallest subnormal (2⁻²⁴) in half precision.
        Stored(
            type: 10, dims: [3], bytes: littleEndian([UInt16(0x3E00), 0xC080, 0x0001]),
            typedField: { $0.int32Data = [0x3E00, 0xC080, 0x0001] },
            expected: ConstantTensor(shape: [3], floats: [1.5, -2.25, 0x1p-24])),
        Stored(
            type: 7, dims: [3], bytes: littleEndian([Int64(-3), 5, .max]),
            typedField: { $0.int64Data = [-3, 5, .max] },
            expected: ConstantTensor(shape: [3], integers: [-3, 5, .max])),
        Stored(
            type: 6, dims: [1, 2], bytes: littleEndian([Int32(-7), 9]),
            typedField: { $0.int32Data = [-7, 9] },
            expected: ConstantTensor(shape: [1, 2], integers: [-7, 9])),
        Stored(
            type: 2, dims: [2], bytes: [0, 255], typedField: { $0.int32Data = [0, 255] },
            expected: ConstantTensor(shape: [2], integers: [0, 255])),
    ]

    func testRawExternalAndTypedValuesReadAlike() throws {
        var graph = HandWrittenGraph()
        graph.node("Relu", ["x"], name: "relu")
        let reader = TensorReader(try ONNXModelFile(path: try write(try graph.data())))
        // Every case's bytes in one data file, each after a few bytes of padding (so offsets are odd).
        var external = Data()
        var offsets: [Int] = []
        for stored in Self.cases {
            external.append(contentsOf: [0xAB, 0xCD, 0xEF])
            offsets.append(external.count)
            external.append(contentsOf: stored.bytes)
        }
        _ = try write(external, "weights.data")
        for (stored, offset) in zip(Self.cases, offsets) {
            var tensor = Onnx_TensorProto()
            (tensor.name, tensor.dataType, tensor.dims) = ("t", stored.type, stored.dims)
            var raw = tensor
            raw.rawData = Data(stored.bytes)
            var typed = tensor
            stored.typedField(&typed)
            var kept = tensor
            kept.dataLocation = 1
            kept.externalData = [("location", "weights.data"), ("offset", "\(offset)"), ("length", "\(stored.bytes.count)")]
                .map { key, value in
                    var entry = Onnx_StringStringEntryProto()
                    (entry.key, entry.value) = (key, value)
                    return entry
                }
            for (storage, proto) in [("raw", raw), ("external", kept), ("typed", typed)] {
                XCTAssertEqual(
                    try reader.constant(proto, role: "initializer"), stored.expected, "type \(stored.type), \(storage)")
            }
        }
    }
}
