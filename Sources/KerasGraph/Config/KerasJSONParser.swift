import Foundation
import VizCore

/// Typed reads from `JSONSerialization` output, with errors that say which part of the
/// model_config was malformed.
struct KerasJSONParser {
    /// The model file, where every error is located.
    let location: String

    func malformed(_ what: String, expected: String) -> VizError {
        VizError("malformed model_config: \(what) should be \(expected)", at: location)
    }

    func object(_ value: Any?, _ what: String) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw malformed(what, expected: "an object") }
        return object
    }

    func array(_ value: Any?, _ what: String) throws -> [Any] {
        guard let array = value as? [Any] else { throw malformed(what, expected: "a list") }
        return array
    }

    func string(_ value: Any?, _ what: String) throws -> String {
        guard let string = value as? String else { throw malformed(what, expected: "a string") }
        return string
    }

    // MARK: - Tensor references

    /// `[name, node_index, tensor_index]`, with an optional fourth element (call kwargs) in Keras 2.
    private func tripleReference(_ value: Any) -> KerasTensorReference? {
        guard let list = value as? [Any], list.count == 3 || list.count == 4, let layer = list[0] as? String,
            let node = list[1] as? Int, let tensor = list[2] as? Int
        else { return nil }
        return KerasTensorReference(layer: layer, nodeIndex: node, tensorIndex: tensor)
    }

    /// `input_layers` / `output_layers`: a list of triples (Keras 2), or in Keras 3 a bare triple for a
    /// single tensor, nested lists, or a dict, which Keras flattens in sorted key order.
    func tensorReferences(_ value: Any?, _ what: String) throws -> [KerasTensorReference] {
        if let value, let reference = tripleReference(value) { return [reference] }
        if let list = value as? [Any] { return try list.flatMap { try tensorReferences($0, what) } }
        if let dict = value as? [String: Any] {
            return try dict.keys.sorted().flatMap { try tensorReferences(dict[$0], what) }
        }
        throw malformed(what, expected: "a list of [layer, node, tensor] references")
    }

    /// One entry of a layer's `inbound_nodes`, in either format:
    /// - Keras 1/2, tf.keras: a list of `[name, node, tensor, kwargs]`, or a single such reference
    ///   (TFOpLambda nodes are one level shallower); `_CONSTANT_VALUE` stands for a constant argument.
    /// - Keras 3: `{"args": [...], "kwargs": {...}}` where tensors are `__keras_tensor__` objects.
    /// A number beside one tensor (`x + 3.0`, or a TFOpLambda's `y=3.0`) becomes the call's scalar operand.
    func call(_ node: Any, _ what: String) throws -> KerasModelConfig.Call {
        if let keras3 = node as? [String: Any] {
            var arguments = keras3["args"] as? [Any] ?? []
            var scalarOperand: KerasModelConfig.ScalarOperand?
            if arguments.count == 2, let position = arguments.firstIndex(where: { $0 is NSNumber }),
                let number = arguments[position] as? NSNumber
            {
                scalarOperand = KerasModelConfig.ScalarOperand(value: number.floatValue, position: position)
                arguments.remove(at: position)
            }
            var inputs: [KerasTensorReference] = []
            var hasConstants = false
            try collectTensors(arguments, into: &inputs, hasConstants: &hasConstants, what)
            return KerasModelConfig.Call(inputs: inputs, hasConstantArguments: hasConstants, scalarOperand: scalarOperand)
        }
        let list = try array(node, "\(what): inbound node")
        let isSingleReference = list.first is String
        let entries = isSingleReference ? [node] : list
        let references = try entries.map { entry in
            guard let reference = tripleReference(entry) else {
                throw malformed("\(what): inbound node", expected: "a list of [layer, node, tensor, kwargs] references")
            }
            return reference
        }
        let constant = "_CONSTANT_VALUE"
        var hasConstants = references.contains { $0.layer == constant }
        var scalarOperand: KerasModelConfig.ScalarOperand?
        var operands = references
        // A TFOpLambda (the single-reference form) passes its second operand as the keyword `y`: a
        // number, or a tensor reference (ConvNeXt's residual `inputs + x`).
        if isSingleReference, list.count == 4, let y = (list[3] as? [String: Any])?["y"], !(y is NSNull) {
            if let number = y as? NSNumber {
                scalarOperand = KerasModelConfig.ScalarOperand(value: number.floatValue, position: 1)
            } else if let tensor = tripleReference(y) {
                operands.append(tensor)
            } else {
                hasConstants = true
            }
        }
        return KerasModelConfig.Call(
            inputs: operands.filter { $0.layer != constant },
            hasConstantArguments: hasConstants, scalarOperand: scalarOperand)
    }

    /// Walks Keras 3 call arguments, keeping the tensors in order and noting any other value.
    private func collectTensors(
        _ value: Any, into inputs: inout [KerasTensorReference], hasConstants: inout Bool,
        _ what: String
    ) throws {
        if let list = value as? [Any] {
            for item in list { try collectTensors(item, into: &inputs, hasConstants: &hasConstants, what) }
            return
        }
        guard let object = value as? [String: Any], let className = object["class_name"] as? String else {
            hasConstants = true
            return
        }
        let config = object["config"] as? [String: Any]
        switch className {
        case "__keras_tensor__":
            guard let history = config?["keras_history"], let reference = tripleReference(history) else {
                throw malformed("\(what): keras_history", expected: "a [layer, node, tensor] reference")
            }
            inputs.append(reference)
        case "__tuple__":
            try collectTensors(config?["value"] ?? [], into: &inputs, hasConstants: &hasConstants, what)
        default:
            hasConstants = true
        }
    }
}
