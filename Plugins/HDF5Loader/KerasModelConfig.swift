import Foundation
import VizCore

/// One output of one call of a layer, the way Keras configs point at tensors:
/// `[layer_name, node_index, tensor_index]`.
struct KerasTensorReference: Equatable {
    let layer: String
    /// Which call of the layer (a shared layer is called more than once).
    let nodeIndex: Int
    /// Which output of that call (for layers with several outputs).
    let tensorIndex: Int
}

/// A Keras `model_config`, normalised across Keras versions into one functional form: every layer
/// lists the tensors it was called on, and a Sequential model is a chain that starts at an InputLayer.
struct KerasModelConfig {
    struct Layer {
        let className: String
        let name: String
        let options: KerasLayerOptions
        /// One entry per time the layer was called; none for an InputLayer.
        let calls: [Call]
    }

    struct Call {
        /// The tensors passed to the layer, flattened in argument order.
        let inputs: [KerasTensorReference]
        /// Whether the call also passed non-tensor values: the mark of a Keras operation such as
        /// `x + 3.0` or a `TFOpLambda`, rather than a plain layer call.
        let hasConstantArguments: Bool
    }

    /// `Sequential`, `Model` (Keras ≤2.3, tf.keras ≤2.2) or `Functional` (later versions).
    let className: String
    let layers: [Layer]
    let inputs: [KerasTensorReference]
    let outputs: [KerasTensorReference]

    /// Parses the JSON of a `model_config`; errors are located at `location` (the model file).
    init(json: String, location: String) throws {
        let parser = KerasJSONParser(location: location)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw VizError("the model_config attribute is not valid JSON (\(error.localizedDescription))", at: location)
        }
        let top = try parser.object(root, "model_config")
        className = try parser.string(top["class_name"], "model_config.class_name")
        switch className {
        case "Sequential":
            (layers, inputs, outputs) = try Self.sequential(top["config"], parser: parser)
        case "Model", "Functional":
            (layers, inputs, outputs) = try Self.functional(top["config"], parser: parser)
        default:
            throw VizError("the model has class '\(className)'; vizrun reads Sequential and functional models "
                           + "(a subclassed model saves no layer graph)", at: location)
        }
    }

    // MARK: - Sequential

    /// Keras ≤2.2.2 writes the layers as a bare list; 2.2.3–2.3 as `{name, layers}` with the input
    /// shape on the first layer; TF ≥2.3 and Keras 3 start the list with an InputLayer.
    private static func sequential(_ value: Any?, parser: KerasJSONParser)
        throws -> ([Layer], [KerasTensorReference], [KerasTensorReference]) {
        let entries: [Any]
        var buildInputShape: Any?
        if let list = value as? [Any] {
            entries = list
        } else {
            let config = try parser.object(value, "model_config.config")
            entries = try parser.array(config["layers"], "model_config.config.layers")
            buildInputShape = config["build_input_shape"]
        }
        var chain = try entries.enumerated().map { index, entry in
            let what = "layer \(index) of the Sequential model"
            let object = try parser.object(entry, what)
            let className = try parser.string(object["class_name"], "\(what): class_name")
            let options = try parser.object(object["config"], "\(what): config")
            let name = try parser.string(options["name"], "\(what): config.name")
            return (className: className, name: name, options: options)
        }
        guard let first = chain.first else {
            throw VizError("the Sequential model has no layers", at: parser.location)
        }
        if first.className != "InputLayer" {
            // Keras adds this input itself when the model is built, naming it after the first layer.
            let shape = first.options["batch_input_shape"] ?? first.options["batch_shape"] ?? buildInputShape
            let name = first.name + "_input"
            chain.insert((className: "InputLayer", name: name,
                          options: ["name": name, "batch_input_shape": shape ?? NSNull()]), at: 0)
        }
        var layers: [Layer] = []
        for (className, name, options) in chain {
            let calls = layers.last.map { [Call(inputs: [reference(to: $0.name)], hasConstantArguments: false)] } ?? []
            layers.append(Layer(className: className, name: name,
                                options: KerasLayerOptions(layer: name, values: options, location: parser.location),
                                calls: calls))
        }
        return (layers, [reference(to: layers[0].name)], [reference(to: layers[layers.count - 1].name)])
    }

    private static func reference(to layer: String) -> KerasTensorReference {
        KerasTensorReference(layer: layer, nodeIndex: 0, tensorIndex: 0)
    }

    // MARK: - Functional

    private static func functional(_ value: Any?, parser: KerasJSONParser)
        throws -> ([Layer], [KerasTensorReference], [KerasTensorReference]) {
        let config = try parser.object(value, "model_config.config")
        let entries = try parser.array(config["layers"], "model_config.config.layers")
        let layers = try entries.enumerated().map { index, entry in
            let object = try parser.object(entry, "layer \(index) of the model")
            let options = try parser.object(object["config"], "layer \(index) of the model: config")
            let name = try parser.string(object["name"] ?? options["name"], "layer \(index) of the model: name")
            let what = "layer '\(name)'"
            let nodes = try object["inbound_nodes"].map { try parser.array($0, "\(what): inbound_nodes") } ?? []
            return Layer(className: try parser.string(object["class_name"], "\(what): class_name"), name: name,
                         options: KerasLayerOptions(layer: name, values: options, location: parser.location),
                         calls: try nodes.map { try parser.call($0, what) })
        }
        return (layers, try parser.tensorReferences(config["input_layers"], "model_config.config.input_layers"),
                try parser.tensorReferences(config["output_layers"], "model_config.config.output_layers"))
    }
}
