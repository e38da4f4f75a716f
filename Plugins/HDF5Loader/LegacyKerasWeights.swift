import VizCore

/// Weights in the legacy Keras HDF5 layout: one group per layer, named after the layer, whose
/// `weight_names` attribute lists its datasets in order as paths relative to the group (paths
/// that may contain `/`, so they are opened as given, never rebuilt from parts).
struct LegacyKerasWeights: KerasWeightSource {
    /// `/model_weights` of a whole-model file, or the root of a `save_weights` file.
    let group: HDF5Group

    func weights(ofLayer layer: String) throws -> KerasLayerWeights {
        let origin = group.memberPath(layer)
        guard group.contains(layer) else {
            return KerasLayerWeights(layer: layer, origin: origin, location: group.file.path, stored: [])
        }
        let layerGroup = try group.group(layer)
        let names = try layerGroup.stringListAttribute("weight_names") ?? []
        let stored = try names.map { KerasLayerWeights.Stored(name: $0, value: try layerGroup.floatDataset($0)) }
        return KerasLayerWeights(layer: layer, origin: origin, location: group.file.path, stored: stored)
    }
}
