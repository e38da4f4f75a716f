import VizCore

/// One node of the graph as a mapping reads it: its attributes by name with ONNX's defaults, and
/// errors that name the node and the model file.
struct ONNXNode {
    let proto: Onnx_NodeProto
    /// The version of the default domain the file imports, which decides attribute-or-input forms.
    let opset: Int
    let path: String

    var opType: String { proto.opType }
    /// The node's name, or its first output's when it has none (names are optional in ONNX).
    var name: String { proto.name.isEmpty ? (proto.output.first ?? opType) : proto.name }
    /// Input tensor names; an empty string is an omitted optional input.
    var inputs: [String] { proto.input }
    var outputs: [String] { proto.output }

    func error(_ message: String) -> VizError {
        VizError("node '\(name)' (\(opType)) \(message)", at: path)
    }

    func unsupported(_ what: String) -> VizError {
        error("\(what), which vizrun cannot run yet")
    }

    private func attribute(_ name: String) -> Onnx_AttributeProto? {
        proto.attribute.first { $0.name == name }
    }

    func has(_ name: String) -> Bool { attribute(name) != nil }

    /// ONNX's attribute type codes (AttributeProto.AttributeType).
    private enum Kind: Int32 {
        case float = 1
        case int = 2
        case string = 3
        case tensor = 4
        case floats = 6
        case ints = 7
    }

    private func typed(_ name: String, _ kind: Kind, _ expected: String) throws -> Onnx_AttributeProto? {
        guard let value = attribute(name) else { return nil }
        // Writers before IR version 2 left the type out; the value field then says what it is.
        guard !value.hasType || value.type == kind.rawValue else {
            throw error("has attribute '\(name)' of type \(value.type), expected \(expected)")
        }
        return value
    }

    func int(_ name: String, default fallback: Int) throws -> Int {
        guard let value = try typed(name, .int, "an integer") else { return fallback }
        guard let int = Int(exactly: value.i) else { throw error("has attribute '\(name)' = \(value.i), out of range") }
        return int
    }

    func float(_ name: String, default fallback: Float) throws -> Float {
        try typed(name, .float, "a float")?.f ?? fallback
    }

    func string(_ name: String, default fallback: String) throws -> String {
        guard let value = try typed(name, .string, "a string") else { return fallback }
        return String(decoding: value.s, as: UTF8.self)
    }

    /// Integers of at most 2⁴⁰ in magnitude, so that no arithmetic on them overflows; with
    /// `clamping` larger ones are clamped (Slice's bounds before opset 10, where INT64_MAX means
    /// "to the end").
    func ints(_ name: String, clamping: Bool = false) throws -> [Int]? {
        guard let value = try typed(name, .ints, "a list of integers") else { return nil }
        let limit: Int64 = 1 << 40
        return try value.ints.map { element in
            if clamping { return Int(min(max(element, -limit), limit)) }
            guard element > -limit, element < limit else {
                throw error("has attribute '\(name)' = \(value.ints), out of range")
            }
            return Int(element)
        }
    }

    func floats(_ name: String) throws -> [Float]? {
        try typed(name, .floats, "a list of floats")?.floats
    }

    func tensor(_ name: String) throws -> Onnx_TensorProto? {
        try typed(name, .tensor, "a tensor")?.t
    }

    /// A list of `count` integers, or `fallback` repeated when the attribute is absent.
    func ints(_ name: String, count: Int, default fallback: Int) throws -> [Int] {
        guard let values = try ints(name) else { return Array(repeating: fallback, count: count) }
        guard values.count == count else {
            throw error("has attribute '\(name)' = \(values), expected \(count) values")
        }
        return values
    }
}
