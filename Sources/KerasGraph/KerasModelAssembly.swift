import VizCore

/// What every Keras loader shares once it holds a model's config and its weights: parsing the
/// config in the file's Keras version, building the graph, and the facts `vizrun inspect` shows.
/// The loaders bring only their file format: the `hdf5` loader a legacy `.h5`'s weight groups, the
/// `keras` loader a `.keras` archive's `model.weights.h5`.
package enum KerasModelAssembly {
    /// The model; `configSource` names where the config JSON came from, for messages; `weights`
    /// makes the weight source for the parsed config (a layout keyed by class, as in a `.keras`
    /// archive, needs the config to find each layer's weights); `metadata` gains `keras_version` and
    /// `model_class`; `layerTypes` run the classes vizrun does not know.
    package static func model(
        configJSON: String, configSource: String, kerasVersion: String,
        weights: (KerasModelConfig) throws -> KerasWeightSource,
        layerTypes: [LayerType.Type], path: String, loaderName: String,
        metadata: [String: String] = [:]
    ) throws -> Model {
        let version = KerasVersion(kerasVersion)
        let config = try KerasModelConfig(
            json: configJSON, source: configSource, kerasVersion: version,
            location: path)
        let builder = KerasGraphBuilder(
            config: config, weights: try weights(config), location: path,
            layerTypes: layerTypes)
        try builder.build()
        var metadata = metadata
        metadata["keras_version"] = kerasVersion
        metadata["model_class"] = config.className
        return Model(
            graph: builder.graph, layers: builder.layers, outputLayers: config.outputs.map(\.layer),
            path: path, loaderName: loaderName, metadata: metadata)
    }
}
