import VizCore

/// The Keras layer classes the Keras loaders run themselves, which no plugin's layer type may take over.
package enum KerasLayerClasses {
    package static let builtIn: Set<String> = Set(KerasGraphBuilder.nodeBuilders.keys)
}

/// Layers of a Keras class vizrun does not know, which a plugin's `LayerType` turns into an op
/// (Docs/plugins.md, "Custom layers").
extension KerasGraphBuilder {
    static func byClassName(_ layerTypes: [LayerType.Type]) -> [String: LayerType.Type] {
        Dictionary(layerTypes.map { ($0.className, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The plugin's layer type for the layer's class; nil for a class vizrun runs itself, so that a
    /// plugin never changes how a built-in layer runs.
    func pluginLayerType(of layer: KerasModelConfig.Layer) -> LayerType.Type? {
        guard Self.nodeBuilders[layer.className] == nil, !Self.isScalarOperation(layer) else { return nil }
        return layerTypes[Self.unregisteredName(layer.className)]
    }

    /// `ChannelSwish` for `my_package>ChannelSwish`: Keras 3 writes a class registered with
    /// `register_keras_serializable(package=…)` so in `.h5` files (`.keras` files keep the class
    /// name and add a `registered_name`), and a layer type names the class alone.
    static func unregisteredName(_ className: String) -> String {
        className.split(separator: ">").last.map(String.init) ?? className
    }

    /// The op the layer type builds from the layer's options and every weight the file stores for it.
    func addPluginLayer(_ layerType: LayerType.Type, _ layer: KerasModelConfig.Layer, inputs: [LayerOutput]) throws
        -> BuiltLayer
    {
        // A plugin's op sees its inputs as vizrun holds them; rewriting its options for transposed
        // data would need knowledge of what they mean, which only the plugin has.
        if let input = inputs.first(where: { $0.layout != .same }) {
            throw layer.options.error(
                "(\(layer.className), from a plugin) reads the channels_first data of "
                    + "'\(input.layerPath)'; vizrun runs plugin layers on channels_last data only")
        }
        if try layer.options.string("data_format", default: "channels_last") == "channels_first" {
            throw layer.options.error(
                "(\(layer.className), from a plugin) uses data_format 'channels_first'; vizrun "
                    + "runs plugin layers on channels_last data only")
        }
        let stored = try weights.weights(ofLayer: layer.name).unclaimed.map(\.value)
        let description = KerasLayer(
            name: layer.path, className: layer.className, options: layer.options.values,
            inputShapes: inputs.map { graph.nodes[$0.node].shape }, weights: stored,
            location: location)
        return try addNodes(
            try layerType.init().op(for: description), activation: .linear, inputs: inputs.map(\.node),
            layer: layer, parameterCount: stored.reduce(0) { $0 + $1.count })
    }
}
