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
/// A nested model (a Model or Sequential used as a layer) keeps its own config, parsed the same way.
package struct KerasModelConfig {
    package struct Layer {
        package let className: String
        /// The name within its own model, which the model's tensor references and weights use.
        package let name: String
        /// The name users see: `name`, prefixed by the nested models around it (`vgg16/block5_conv3`).
        package let path: String
        let options: KerasLayerOptions
        /// One entry per time the layer was called; none for an InputLayer.
        let calls: [Call]
        /// The model's own config, when the layer is a nested model.
        let nestedModel: KerasModelConfig?
        /// Whether the entry is a Keras 3 operation (`x + 3.0` in MobileNetV3) rather than a layer:
        /// `.keras` files say so by its module; it is no member of `model.layers` and has no weights.
        package var isOperation = false
    }

    struct Call {
        /// The tensors passed to the layer, flattened in argument order.
        let inputs: [KerasTensorReference]
        /// Whether the call also passed non-tensor values vizrun cannot use: a Keras operation or
        /// `TFOpLambda` called with something other than one tensor and one number.
        let hasConstantArguments: Bool
        /// The number an arithmetic operation combines its one tensor with: Keras 3 records `x + 3.0`
        /// as an `Add` called with `[x, 3.0]`, tf.keras as a `TFOpLambda` called on `x` with `y=3.0`.
        var scalarOperand: ScalarOperand?
    }

    /// A number passed to an arithmetic operation, and where: `position` 1 in `x - 3`, 0 in `3 - x`.
    struct ScalarOperand: Equatable {
        let value: Float
        let position: Int
    }

    /// `Sequential`, `Model` (Keras ≤2.3, tf.keras ≤2.2) or `Functional` (later versions).
    package let className: String
    package let layers: [Layer]
    let inputs: [KerasTensorReference]
    let outputs: [KerasTensorReference]
    package let kerasVersion: KerasVersion
    /// `outer/` for a model nested in a layer called `outer` (the prefix of its layers' paths), empty at the top.
    let pathPrefix: String

    /// The class names Keras gives models; a layer entry with one of them holds a nested model.
    static let modelClassNames: Set<String> = ["Sequential", "Functional", "Model"]

    /// Parses the JSON of a `model_config` (or a `.keras` archive's `config.json`, which `source`
    /// then names); errors are located at `location` (the model file).
    init(
        json: String, source: String, kerasVersion: KerasVersion,
        location: String
    ) throws {
        let parser = KerasJSONParser(location: location)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw VizError("\(source) is not valid JSON (\(error.localizedDescription))", at: location)
        }
        let top = try parser.object(root, "model_config")
        try self.init(
            className: try parser.string(top["class_name"], "model_config.class_name"), config: top["config"],
            kerasVersion: kerasVersion, pathPrefix: "", parser: parser)
    }

    /// A model's config; `pathPrefix` is `outer/` for a model nested in `outer`.
    private init(
        className: String, config: Any?, kerasVersion: KerasVersion, pathPrefix: String,
        parser: KerasJSONParser
    ) throws {
        self.className = className
        self.kerasVersion = kerasVersion
        self.pathPrefix = pathPrefix
        let context = Context(
            kerasVersion: kerasVersion, pathPrefix: pathPrefix, parser: parser,
            configName: pathPrefix.isEmpty
                ? "model_config.config"
                : "nested model '\(pathPrefix.dropLast())': config")
        switch className {
        case "Sequential":
            (layers, inputs, outputs) = try Self.sequential(config, context)
        case "Model", "Functional":
            (layers, inputs, outputs) = try Self.functional(config, context)
        default:
            throw VizError(
                "the model has class '\(className)'; vizrun reads Sequential and functional models "
                    + "(a subclassed model saves no layer graph)", at: parser.location)
        }
    }

    /// What parsing one model's layers needs to know.
    private struct Context {
        let kerasVersion: KerasVersion
        let pathPrefix: String
        let parser: KerasJSONParser
        /// How messages name the model's config object.
        let configName: String

        /// A layer entry's `config`. A Sequential model that Keras 1 or ≤2.2.2 nested in another has a
        /// bare list of layers there, and its name on the entry.
        func options(of entry: [String: Any], _ what: String) throws -> [String: Any] {
            guard let layers = entry["config"] as? [Any] else { return try parser.object(entry["config"], "\(what): config") }
            var options: [String: Any] = ["layers": layers]
            options["name"] = entry["name"]
            return options
        }

        /// A layer entry, upgraded from Keras 1 names and with its nested model parsed.
        func layer(className: String, options: [String: Any], calls: [Call]) throws -> Layer {
            let (className, options) =
                kerasVersion.major == 1
                ? KerasModelConfig.upgradedFromKeras1(className: className, options: options)
                : (className, options)
            let name = try parser.string(options["name"], "layer of class \(className): config.name")
            let path = pathPrefix + name
            let nested =
                try KerasModelConfig.modelClassNames.contains(className)
                ? KerasModelConfig(
                    className: className, config: options, kerasVersion: kerasVersion,
                    pathPrefix: path + "/", parser: parser)
                : nil
            return Layer(
                className: className, name: name, path: path,
                options: KerasLayerOptions(
                    layer: path, values: options, kerasVersion: kerasVersion,
                    location: parser.location),
                calls: calls, nestedModel: nested)
        }
    }

    // MARK: - Sequential

    /// Keras ≤2.2.2 writes the layers as a bare list; 2.2.3–2.3 as `{name, layers}` with the input
    /// shape on the first layer; TF ≥2.3 and Keras 3 start the list with an InputLayer.
    private static func sequential(_ value: Any?, _ context: Context)
        throws -> ([Layer], [KerasTensorReference], [KerasTensorReference])
    {
        let parser = context.parser
        let entries: [Any]
        var buildInputShape: Any?
        if let list = value as? [Any] {
            entries = list
        } else {
            let config = try parser.object(value, context.configName)
            entries = try parser.array(config["layers"], "\(context.configName).layers")
            buildInputShape = config["build_input_shape"]
        }
        var chain = try entries.enumerated().map { index, entry in
            let what =
                "layer \(index) of the Sequential model\(context.pathPrefix.isEmpty ? "" : " '\(context.pathPrefix.dropLast())'")"
            let object = try parser.object(entry, what)
            let className = try parser.string(object["class_name"], "\(what): class_name")
            var options = try context.options(of: object, what)
            let name = try parser.string(options["name"] ?? object["name"], "\(what): config.name")
            options["name"] = name
            return (className: className, name: name, options: options)
        }
        guard let first = chain.first else {
            throw VizError("the Sequential model has no layers", at: parser.location)
        }
        if first.className != "InputLayer" {
            // Keras adds this input itself when the model is built, naming it after the first layer.
            let shape = first.options["batch_input_shape"] ?? first.options["batch_shape"] ?? buildInputShape
            let name = first.name + "_input"
            chain.insert(
                (
                    className: "InputLayer", name: name,
                    options: ["name": name, "batch_input_shape": shape ?? NSNull()]
                ), at: 0)
        }
        var layers: [Layer] = []
        for (className, _, options) in chain {
            let calls = layers.last.map { [Call(inputs: [reference(to: $0.name)], hasConstantArguments: false)] } ?? []
            layers.append(try context.layer(className: className, options: options, calls: calls))
        }
        return (layers, [reference(to: layers[0].name)], [reference(to: layers[layers.count - 1].name)])
    }

    private static func reference(to layer: String) -> KerasTensorReference {
        KerasTensorReference(layer: layer, nodeIndex: 0, tensorIndex: 0)
    }

    // MARK: - Functional

    private static func functional(_ value: Any?, _ context: Context)
        throws -> ([Layer], [KerasTensorReference], [KerasTensorReference])
    {
        let parser = context.parser
        let config = try parser.object(value, context.configName)
        let entries = try parser.array(config["layers"], "\(context.configName).layers")
        let layers = try entries.enumerated().map { index, entry in
            let position = "layer \(index) of \(context.configName)"
            let object = try parser.object(entry, position)
            var options = try context.options(of: object, position)
            let name = try parser.string(object["name"] ?? options["name"], "\(position): name")
            // The config of a nested model may leave its name to the entry.
            options["name"] = name
            let what = "layer '\(context.pathPrefix)\(name)'"
            let nodes = try object["inbound_nodes"].map { try parser.array($0, "\(what): inbound_nodes") } ?? []
            var layer = try context.layer(
                className: try parser.string(object["class_name"], "\(what): class_name"),
                options: options, calls: try nodes.map { try parser.call($0, what) })
            layer.isOperation = (object["module"] as? String)?.hasPrefix("keras.src.ops.") ?? false
            return layer
        }
        let inputs = try parser.tensorReferences(config["input_layers"], "\(context.configName).input_layers")
        let outputs = try parser.tensorReferences(config["output_layers"], "\(context.configName).output_layers")
        guard context.kerasVersion.major < 3 else { return (layers, inputs, outputs) }
        // Keras 1/2 count a nested model's construction on its Input as its call 0, and leave that call
        // out of the config: references to its first call in this model say 1.
        let skipped = Set(layers.filter { $0.nestedModel?.hasConstructionCall ?? false }.map(\.name))
        func renumbered(_ reference: KerasTensorReference) -> KerasTensorReference {
            guard skipped.contains(reference.layer) else { return reference }
            return KerasTensorReference(
                layer: reference.layer, nodeIndex: reference.nodeIndex - 1,
                tensorIndex: reference.tensorIndex)
        }
        let renumberedLayers = layers.map { layer in
            Layer(
                className: layer.className, name: layer.name, path: layer.path, options: layer.options,
                calls: layer.calls.map {
                    Call(
                        inputs: $0.inputs.map(renumbered),
                        hasConstantArguments: $0.hasConstantArguments,
                        scalarOperand: $0.scalarOperand)
                },
                nestedModel: layer.nestedModel, isOperation: layer.isOperation)
        }
        return (renumberedLayers, inputs, outputs.map(renumbered))
    }

    /// Whether Keras 1/2 built this model on an Input when it was created (`_should_skip_first_node`
    /// in tf.keras): always for a functional model, for a Sequential only if it declares an input shape.
    private var hasConstructionCall: Bool {
        guard className == "Sequential" else { return true }
        return layers.first.map { (try? $0.options.shape("batch_input_shape") ?? $0.options.shape("batch_shape")) != nil }
            ?? false
    }
}
