import VizCore

/// Turns a normalised Keras config and its stored weights into a `Graph`, plus the `Model.Layer`s
/// that users name in configs.
///
/// A nested model is flattened into the same graph by a builder of its own (see
/// `KerasGraphBuilder+NestedModels.swift`): its layers become nodes named `outer/inner`.
final class KerasGraphBuilder {
    let config: KerasModelConfig
    /// The model file, where every error is located.
    let location: String

    let graph: Graph
    private(set) var layers: [Model.Layer] = []
    /// The weights as the file stores them; layer mappings read them through `weights`.
    let storedWeights: KerasWeightSource
    /// Changes to stored weights that converting the model to vizrun's layout calls for, by layer name.
    var weightAdjustments: [String: KerasWeightAdjustment] = [:]
    /// What each layer of this model produced, by its name in the model's config.
    var outputs: [String: LayerOutput] = [:]
    /// The values a nested model's InputLayers stand for, given by the model around it.
    private let feeds: [String: LayerOutput]
    /// Plugins' layer types by the Keras class each runs, for the classes vizrun does not know.
    let layerTypes: [String: LayerType.Type]

    /// A layer's value in the graph, as seen from the model that contains it.
    struct LayerOutput {
        let node: Int
        /// The name users see for the layer that produces it (for a nested model's input, the
        /// outer layer that feeds it).
        let layerPath: String
        /// How Keras lays out this value, which may differ from vizrun's NHWC (channels_first models).
        let layout: KerasTensorLayout
    }

    convenience init(
        config: KerasModelConfig, weights: KerasWeightSource, location: String,
        layerTypes: [LayerType.Type]
    ) {
        self.init(
            config: config, weights: weights, location: location, graph: Graph(), feeds: [:],
            layerTypes: Self.byClassName(layerTypes))
    }

    /// A builder that adds a nested model's layers to `graph`, its inputs bound to `feeds`.
    init(
        config: KerasModelConfig, weights: KerasWeightSource, location: String, graph: Graph,
        feeds: [String: LayerOutput], layerTypes: [String: LayerType.Type]
    ) {
        self.config = config
        self.storedWeights = weights
        self.location = location
        self.graph = graph
        self.feeds = feeds
        self.layerTypes = layerTypes
    }

    /// The stored weights, adjusted to vizrun's layout where the model's data format asks for it;
    /// what every layer mapping reads.
    var weights: KerasWeightSource {
        AdjustedKerasWeights(stored: storedWeights, adjustments: weightAdjustments, pathPrefix: config.pathPrefix)
    }

    /// Adds every layer. The model's inputs come first, in the order Keras lists them, because
    /// the graph takes its feeds in the order its input nodes were added; the other layers follow
    /// in config order, each as soon as the layers it reads from are in.
    func build() throws {
        // Refuse what vizrun cannot run before building anything, so the first error names the real obstacle.
        try checkSupported(config)
        guard !config.inputs.isEmpty, !config.outputs.isEmpty else {
            throw VizError(
                "the model\(modelPhrase) declares no \(config.inputs.isEmpty ? "inputs" : "outputs")",
                at: location)
        }
        var pending = config.layers
        for input in config.inputs {
            guard let index = pending.firstIndex(where: { $0.name == input.layer }) else {
                throw VizError("the model\(modelPhrase)'s input '\(input.layer)' is not one of its layers", at: location)
            }
            guard pending[index].className == "InputLayer" else {
                throw VizError(
                    "the model\(modelPhrase)'s input '\(input.layer)' is a \(pending[index].className), "
                        + "not an InputLayer", at: location)
            }
            let layer = pending.remove(at: index)
            if let feed = feeds[layer.name] {
                outputs[layer.name] = feed
            } else {
                try add(layer)
            }
        }
        while !pending.isEmpty {
            guard
                let ready = pending.firstIndex(where: { layer in
                    layer.calls.allSatisfy { $0.inputs.allSatisfy { outputs[$0.layer] != nil } }
                })
            else { throw unresolvable(pending) }
            try add(pending.remove(at: ready))
        }
        for output in config.outputs where outputs[output.layer] == nil {
            throw VizError("the model\(modelPhrase)'s output '\(output.layer)' is not one of its layers", at: location)
        }
    }

    /// ` 'outer'` inside a nested model, for messages.
    private var modelPhrase: String {
        config.pathPrefix.isEmpty ? "" : " '\(config.pathPrefix.dropLast())'"
    }

    /// Every layer class must be one vizrun runs, at any depth, and no layer may be shared.
    private func checkSupported(_ config: KerasModelConfig) throws {
        for layer in config.layers {
            if let nested = layer.nestedModel {
                try checkSupported(nested)
            } else if Self.nodeBuilders[layer.className] == nil && !Self.isScalarOperation(layer)
                && pluginLayerType(of: layer) == nil
            {
                throw unsupported(layer)
            }
            guard layer.calls.count <= 1 else {
                throw VizError(
                    "layer '\(layer.path)' is applied \(layer.calls.count) times (a shared layer), which "
                        + "vizrun cannot run yet", at: location)
            }
        }
    }

    /// Why none of `pending` can be added: a reference to a missing layer, or a cycle.
    private func unresolvable(_ pending: [KerasModelConfig.Layer]) -> VizError {
        let known = Set(config.layers.map(\.name))
        for layer in pending {
            for call in layer.calls {
                for input in call.inputs where !known.contains(input.layer) {
                    return VizError(
                        "layer '\(layer.path)' takes input from '\(input.layer)', which is not a layer "
                            + "of the model\(modelPhrase)", at: location)
                }
            }
        }
        return VizError(
            "layers " + pending.map { "'\($0.path)'" }.joined(separator: ", ")
                + " feed each other in a cycle", at: location)
    }

    private func add(_ layer: KerasModelConfig.Layer) throws {
        let inputs = try inputs(of: layer)
        if let nested = layer.nestedModel {
            try addNestedModel(layer, config: nested, inputs: inputs)
            return
        }
        let built: BuiltLayer
        if let layerType = pluginLayerType(of: layer) {
            built = try addPluginLayer(layerType, layer, inputs: inputs)
        } else {
            let adapted = try adaptedToChannelsLast(layer, inputs: inputs)
            built =
                Self.isScalarOperation(layer)
                ? try addScalarOperation(adapted, inputs: inputs.map(\.node))
                : try Self.nodeBuilders[layer.className]!(self)(adapted, inputs.map(\.node))
        }
        let layout = try outputLayout(of: layer, inputs: inputs, outputShape: graph.nodes[built.outputNode].shape)
        outputs[layer.name] = LayerOutput(node: built.outputNode, layerPath: layer.path, layout: layout)
        appendLayer(
            Model.Layer(
                name: layer.path, className: layer.className, outputNode: built.outputNode,
                preActivationNode: built.preActivationNode, inputLayers: inputs.map(\.layerPath),
                parameterCount: built.parameterCount))
    }

    func appendLayer(_ layer: Model.Layer) {
        layers.append(layer)
    }

    /// What a layer reads from, refusing calls with constant arguments.
    private func inputs(of layer: KerasModelConfig.Layer) throws -> [LayerOutput] {
        guard let call = layer.calls.first else { return [] }
        guard !call.hasConstantArguments else {
            throw VizError(
                "layer '\(layer.path)' (\(layer.className)) is called with constant arguments, as Keras "
                    + "records an operation such as `x + 3.0`; vizrun cannot run it", at: location)
        }
        return try call.inputs.map { input in
            guard input.nodeIndex == 0, input.tensorIndex == 0 else {
                throw VizError(
                    "layer '\(layer.path)' takes output \(input.tensorIndex) of call \(input.nodeIndex) of "
                        + "'\(input.layer)'; vizrun runs layers with one call and one output only", at: location)
            }
            // Only a model input can get here before its inputs are built, and inputs take none.
            guard let output = outputs[input.layer] else {
                throw VizError("the model's input '\(layer.path)' takes input from '\(input.layer)'", at: location)
            }
            return output
        }
    }

    // MARK: - Nodes

    /// What one Keras layer became in the graph.
    struct BuiltLayer {
        let outputNode: Int
        let preActivationNode: Int?
        let parameterCount: Int
    }

    /// Adds one node, turning the graph's shape errors into errors about the layer.
    private func addNode(_ name: String, _ op: Op, inputs: [Int], layer: String) throws -> Int {
        do {
            return try graph.add(name, op, inputs: inputs)
        } catch let error as VizError {
            throw VizError("layer '\(layer)': \(error.message)", at: location)
        }
    }

    /// A layer with a fused activation becomes its op (node `<layer>~linear`) followed by the
    /// activation (node `<layer>`), so that the value before the activation stays reachable.
    func addNodes(
        _ op: Op, activation: ActivationFunction, inputs: [Int], layer: KerasModelConfig.Layer,
        parameterCount: Int
    ) throws -> BuiltLayer {
        guard activation != .linear else {
            return BuiltLayer(
                outputNode: try addNode(layer.path, op, inputs: inputs, layer: layer.path),
                preActivationNode: nil, parameterCount: parameterCount)
        }
        let linear = try addNode("\(layer.path)~linear", op, inputs: inputs, layer: layer.path)
        let output = try addNode(layer.path, ActivationOp(activation), inputs: [linear], layer: layer.path)
        return BuiltLayer(outputNode: output, preActivationNode: linear, parameterCount: parameterCount)
    }
}
