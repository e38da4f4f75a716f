/// `TensorProto.DataType`: the element types vizrun reads, and how many bytes each takes raw.
enum ElementType: Int32 {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float16 = 10
    case double = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16

    var byteCount: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .float, .int32, .uint32: return 4
        case .int64, .double, .uint64: return 8
        }
    }

    var isFloatingPoint: Bool { [.float, .float16, .bfloat16, .double].contains(self) }

    /// ONNX's names, for messages about types vizrun does not read.
    static func name(of code: Int32) -> String {
        let names: [Int32: String] = [
            0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
            7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32",
            13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
        ]
        return names[code] ?? "type \(code)"
    }

    /// A value stored raw (little-endian) at `offset` of `bytes`, widened.
    func float(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Float {
        switch self {
        case .float: return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .double:
            return Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
        case .float16: return Self.half(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .bfloat16:
            return Float(
                bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16)
        default: return Float(integer(bytes, at: offset))
        }
    }

    func integer(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        func load<T: FixedWidthInteger>(_ type: T.Type) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        switch self {
        case .uint8, .bool: return Int64(load(UInt8.self))
        case .int8: return Int64(load(Int8.self))
        case .uint16: return Int64(load(UInt16.self))
        case .int16: return Int64(load(Int16.self))
        case .int32: return Int64(load(Int32.self))
        case .uint32: return Int64(load(UInt32.self))
        case .int64: return load(Int64.self)
        case .uint64: return Int64(truncatingIfNeeded: load(UInt64.self))
        case .float, .double, .float16, .bfloat16:
            return ConstantTensor(shape: [1], floats: [float(bytes, at: offset)]).integers[0]
        }
    }

    /// IEEE half precision bits as a Float.
    static func half(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0: // zero or subnormal: mantissa · 2⁻²⁴
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
