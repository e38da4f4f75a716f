import Foundation

@testable import ONNX

/// A graph written in a test, as onnx.helper writes one: one image input `x` of a given (N, C, H, W)
/// shape (a negative size left open), float or int64 initializers, nodes with attributes; the last
/// node's first output is the graph's output.
struct HandWrittenGraph {
    enum Attribute {
        case int(String, Int64)
        case ints(String, [Int64])
        case float(String, Float)
        case string(String, String)
    }

    var opset: Int64 = 19
    var input: [Int64] = [1, 4, 6, 6]
    private var initializers: [Onnx_TensorProto] = []
    private var nodes: [Onnx_NodeProto] = []

    init(opset: Int64 = 19, input: [Int64] = [1, 4, 6, 6]) {
        self.opset = opset
        self.input = input
    }

    mutating func constant(_ name: String, _ shape: [Int64], floats: [Float]) {
        var tensor = Onnx_TensorProto()
        (tensor.name, tensor.dims, tensor.dataType, tensor.floatData) = (name, shape, 1, floats)
        initializers.append(tensor)
    }

    mutating func constant(_ name: String, _ shape: [Int64], integers: [Int64]) {
        var tensor = Onnx_TensorProto()
        (tensor.name, tensor.dims, tensor.dataType, tensor.int64Data) = (name, shape, 7, integers)
        initializers.append(tensor)
    }

    /// A node named `name` whose outputs are `name` (and `name:1`, … for `outputs` more).
    mutating func node(_ op: String, _ inputs: [String], name: String, outputs: Int = 1, _ attributes: [Attribute] = []) {
        var node = Onnx_NodeProto()
        (node.opType, node.input, node.name) = (op, inputs, name)
        node.output = [name] + (1..<max(outputs, 1)).map { "\(name):\($0)" }
        node.attribute = attributes.map { attribute in
            var proto = Onnx_AttributeProto()
            switch attribute {
            case .int(let name, let value): (proto.name, proto.type, proto.i) = (name, 2, value)
            case .ints(let name, let values): (proto.name, proto.type, proto.ints) = (name, 7, values)
            case .float(let name, let value): (proto.name, proto.type, proto.f) = (name, 1, value)
            case .string(let name, let value): (proto.name, proto.type, proto.s) = (name, 3, Data(value.utf8))
            }
            return proto
        }
        nodes.append(node)
    }

    func data() throws -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 9
        var opset = Onnx_OperatorSetIdProto()
        opset.version = self.opset
        model.opsetImport = [opset]
        var image = Onnx_ValueInfoProto()
        image.name = "x"
        image.type.tensorType.elemType = 1
        image.type.tensorType.shape.dim = input.enumerated().map { axis, size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if size < 0 { dimension.dimParam = "size\(axis)" } else { dimension.dimValue = size }
            return dimension
        }
        var output = Onnx_ValueInfoProto()
        output.name = nodes.last?.output.first ?? "x"
        model.graph.input = [image]
        model.graph.output = [output]
        model.graph.initializer = initializers
        model.graph.node = nodes
        return try model.serializedData()
    }
}
