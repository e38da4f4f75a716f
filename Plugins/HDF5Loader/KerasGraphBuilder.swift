import VizCore

/// Turns a normalised Keras config and its stored weights into a `Graph`, plus the `Model.Layer`s
/// that users name in configs.
final class KerasGraphBuilder {
    let config: KerasModelConfig
    let weights: KerasWeightSource
    /// The model file, where every error is located.
    let location: String
    /// What `hard_sigmoid` means: its formula changed in Keras 3, so it follows the file's `keras_version`.
    var hardSigmoidForm = ActivationFunction.HardSigmoidForm.keras2

    private(set) var graph = Graph()
    private(set) var layers: [Model.Layer] = []
    private var outputNodeByLayer: [String: Int] = [:]

    init(config: KerasModelConfig, weights: KerasWeightSource, location: String) {
        self.config = config
        self.weights = weights
        self.location = location
    }

    /// Adds every layer. The model's inputs come first, in the order Keras lists them, because
    /// the graph takes its feeds in the order its input nodes were added; the other layers follow
    /// in config order, each as soon as the layers it reads from are in.
    func build() throws {
        // Refuse what vizrun cannot run before building anything, so the first error names the real obstacle.
        for layer in config.layers {
            guard Self.nodeBuilders[layer.className] != nil else { throw unsupported(layer) }
            guard layer.calls.count <= 1 else {
                throw VizError("layer '\(layer.name)' is applied \(layer.calls.count) times (a shared layer), which "
                               + "vizrun cannot run yet", at: location)
            }
        }
        guard !config.inputs.isEmpty, !config.outputs.isEmpty else {
            throw VizError("the model declares no \(config.inputs.isEmpty ? "inputs" : "outputs")", at: location)
        }
        var pending = config.layers
        for input in config.inputs {
            guard let index = pending.firstIndex(where: { $0.name == input.layer }) else {
                throw VizError("the model's input '\(input.layer)' is not one of its layers", at: location)
            }
            guard pending[index].className == "InputLayer" else {
                throw VizError("the model's input '\(input.layer)' is a \(pending[index].className), not an InputLayer",
                               at: location)
            }
            try add(pending.remove(at: index))
        }
        while !pending.isEmpty {
            guard let ready = pending.firstIndex(where: { layer in
                layer.calls.allSatisfy { $0.inputs.allSatisfy { outputNodeByLayer[$0.layer] != nil } }
            }) else { throw unresolvable(pending) }
            try add(pending.remove(at: ready))
        }
        for output in config.outputs where outputNodeByLayer[output.layer] == nil {
            throw VizError("the model's output '\(output.layer)' is not one of its layers", at: location)
        }
    }

    /// Why none of `pending` can be added: a reference to a missing layer, or a cycle.
    private func unresolvable(_ pending: [KerasModelConfig.Layer]) -> VizError {
        let known = Set(config.layers.map(\.name))
        for layer in pending {
            for call in layer.calls {
                for input in call.inputs where !known.contains(input.layer) {
                    return VizError("layer '\(layer.name)' takes input from '\(input.layer)', which is not a layer "
                                    + "of the model", at: location)
                }
            }
        }
        return VizError("layers " + pending.map { "'\($0.name)'" }.joined(separator: ", ")
                        + " feed each other in a cycle", at: location)
    }

    private func add(_ layer: KerasModelConfig.Layer) throws {
        let built = try Self.nodeBuilders[layer.className]!(self)(layer, try inputNodes(of: layer))
        outputNodeByLayer[layer.name] = built.outputNode
        layers.append(Model.Layer(name: layer.name, className: layer.className, outputNode: built.outputNode,
                                  preActivationNode: built.preActivationNode,
                                  inputLayers: layer.calls.first?.inputs.map(\.layer) ?? [],
                                  parameterCount: built.parameterCount))
    }

    /// The graph nodes a layer reads from, refusing calls with constant arguments.
    private func inputNodes(of layer: KerasModelConfig.Layer) throws -> [Int] {
        guard let call = layer.calls.first else { return [] }
        guard !call.hasConstantArguments else {
            throw VizError("layer '\(layer.name)' (\(layer.className)) is called with constant arguments, as Keras "
                           + "records an operation such as `x + 3.0`; vizrun cannot run it", at: location)
        }
        return try call.inputs.map { input in
            guard input.nodeIndex == 0, input.tensorIndex == 0 else {
                throw VizError("layer '\(layer.name)' takes output \(input.tensorIndex) of call \(input.nodeIndex) of "
                               + "'\(input.layer)'; vizrun runs layers with one call and one output only", at: location)
            }
            // Only a model input can get here before its inputs are built, and inputs take none.
            guard let node = outputNodeByLayer[input.layer] else {
                throw VizError("the model's input '\(layer.name)' takes input from '\(input.layer)'", at: location)
            }
            return node
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
    func addNodes(_ op: Op, activation: ActivationFunction, inputs: [Int], layer: KerasModelConfig.Layer,
                  parameterCount: Int) throws -> BuiltLayer {
        guard activation != .linear else {
            return BuiltLayer(outputNode: try addNode(layer.name, op, inputs: inputs, layer: layer.name),
                              preActivationNode: nil, parameterCount: parameterCount)
        }
        let linear = try addNode("\(layer.name)~linear", op, inputs: inputs, layer: layer.name)
        let output = try addNode(layer.name, ActivationOp(activation), inputs: [linear], layer: layer.name)
        return BuiltLayer(outputNode: output, preActivationNode: linear, parameterCount: parameterCount)
    }
}
