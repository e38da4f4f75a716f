import VizCore

/// A Model or Sequential used as a layer (a pretrained base inside a classifier) is flattened into
/// the one graph, so that every visualizer reaches its layers: they become nodes and layers named
/// `outer/inner`, at any depth, and the nested model's own layer (`outer`) stands for its output.
extension KerasGraphBuilder {
    func addNestedModel(
        _ layer: KerasModelConfig.Layer, config nested: KerasModelConfig,
        inputs: [LayerOutput]
    ) throws {
        guard inputs.count == nested.inputs.count else {
            throw VizError(
                "nested model '\(layer.path)' takes \(nested.inputs.count) input(s) but is called on "
                    + "\(inputs.count)", at: location)
        }
        guard nested.outputs.count == 1 else {
            throw VizError(
                "nested model '\(layer.path)' has \(nested.outputs.count) outputs; vizrun runs nested "
                    + "models with one output only", at: location)
        }
        // Its InputLayers add no nodes: they stand for the values the call passes in.
        let feeds = Dictionary(zip(nested.inputs.map(\.layer), inputs), uniquingKeysWith: { first, _ in first })
        let builder = KerasGraphBuilder(
            config: nested,
            weights: try storedWeights.weights(ofNestedModel: layer, config: nested),
            location: location, graph: graph, feeds: feeds, layerTypes: layerTypes)
        try builder.build()
        let output = builder.outputs[nested.outputs[0].layer]!
        outputs[layer.name] = LayerOutput(node: output.node, layerPath: layer.path, layout: output.layout)
        // Listed before its own layers, the way `vizrun inspect` shows them; its parameters are theirs.
        let members = builder.layers
        let parameterCount = members.filter(\.members.isEmpty).reduce(0) { $0 + $1.parameterCount }
        appendLayer(
            Model.Layer(
                name: layer.path, className: layer.className, outputNode: output.node,
                inputLayers: inputs.map(\.layerPath), parameterCount: parameterCount,
                members: members.map(\.name)))
        members.forEach(appendLayer)
    }
}
