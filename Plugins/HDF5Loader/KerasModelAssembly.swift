import VizCore

/// What the Keras loaders share once they hold a model's config and its weights file: parsing the
/// config in the file's Keras version, building the graph, and the facts `vizrun inspect` shows.
/// `HDF5ModelLoader` (legacy `.h5`) and the `keras` loader (`.keras` archives) both come here.
package enum KerasModelAssembly {
    /// How a weights file is laid out.
    package enum WeightsLayout {
        /// `/model_weights` of a legacy `.h5` (or the root of a `save_weights` file): a group per layer name.
        case legacy(HDF5Group)
        /// The root of Keras 3's `model.weights.h5`: `layers/<class key>/vars/<index>`.
        case archive(HDF5Group)
    }

    /// The model; `configSource` names where the config JSON came from, for messages; `metadata`
    /// gains `keras_version` and `model_class`; `layerTypes` run the classes vizrun does not know.
    package static func model(configJSON: String, configSource: String, kerasVersion: String, weights: WeightsLayout,
                              layerTypes: [LayerType.Type], path: String, loaderName: String,
                              metadata: [String: String] = [:]) throws -> Model {
        let version = KerasVersion(kerasVersion)
        let config = try KerasModelConfig(json: configJSON, source: configSource, kerasVersion: version,
                                          location: path)
        let source: KerasWeightSource
        switch weights {
        case .legacy(let group): source = LegacyKerasWeights(group: group, kerasVersion: version)
        case .archive(let group): source = KerasArchiveWeights(group: group, config: config)
        }
        let builder = KerasGraphBuilder(config: config, weights: source, location: path, layerTypes: layerTypes)
        try builder.build()
        var metadata = metadata
        metadata["keras_version"] = kerasVersion
        metadata["model_class"] = config.className
        return Model(graph: builder.graph, layers: builder.layers, outputLayers: config.outputs.map(\.layer),
                     path: path, loaderName: loaderName, metadata: metadata)
    }
}
