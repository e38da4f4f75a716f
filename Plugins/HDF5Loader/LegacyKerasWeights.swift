import HDF5
import KerasGraph
import VizCore

/// Weights in the legacy Keras HDF5 layout: one group per layer, named after the layer, whose
/// `weight_names` attribute lists its datasets in order as paths relative to the group (paths
/// that may contain `/`, so they are opened as given, never rebuilt from parts).
///
/// A nested model is one such group holding the weights of every layer inside it, at any depth,
/// listed together in its `weight_names`: there each layer's weights are told apart by name.
struct LegacyKerasWeights: KerasWeightSource {
    /// `/model_weights` of a whole-model file, the root of a `save_weights` file, or a nested model's group.
    let group: HDF5Group
    let kerasVersion: KerasVersion
    /// For a nested model's group: every weight name it lists.
    private let pooledNames: [String]?

    init(group: HDF5Group, kerasVersion: KerasVersion) {
        self.init(group: group, kerasVersion: kerasVersion, pooledNames: nil)
    }

    private init(group: HDF5Group, kerasVersion: KerasVersion, pooledNames: [String]?) {
        self.group = group
        self.kerasVersion = kerasVersion
        self.pooledNames = pooledNames
    }

    func weights(ofLayer layer: String) throws -> KerasLayerWeights {
        if let pooledNames {
            let stored = try pooledNames.compactMap { name in
                try storedName(name, ofLayer: layer).map { Stored(name: $0, value: try group.floatDataset(name)) }
            }
            return KerasLayerWeights(layer: layer, origin: group.path, location: group.file.path, stored: stored)
        }
        let origin = group.memberPath(layer)
        guard group.contains(layer) else {
            return KerasLayerWeights(layer: layer, origin: origin, location: group.file.path, stored: [])
        }
        let layerGroup = try group.group(layer)
        let names = try layerGroup.stringListAttribute("weight_names") ?? []
        let stored = try names.map { name in
            Stored(name: try storedName(name, ofLayer: layer) ?? name, value: try layerGroup.floatDataset(name))
        }
        return KerasLayerWeights(layer: layer, origin: origin, location: group.file.path, stored: stored)
    }

    func weights(ofNestedModel layer: KerasModelConfig.Layer, config: KerasModelConfig) throws -> KerasWeightSource {
        // A model nested deeper keeps its weights in the same group as the model around it.
        guard pooledNames == nil else { return self }
        guard group.contains(layer.name) else {
            throw VizError(
                "the weights of nested model '\(layer.path)' are missing: there is no group "
                    + group.memberPath(layer.name), at: group.file.path)
        }
        let nested = try group.group(layer.name)
        return LegacyKerasWeights(
            group: nested, kerasVersion: kerasVersion,
            pooledNames: try nested.stringListAttribute("weight_names") ?? [])
    }

    private typealias Stored = KerasLayerWeights.Stored

    // MARK: - Names

    /// The name under which a stored weight is handed to the layer mapping, or nil if it is not
    /// one of `layer`'s. Keras 2 and 3 name weights `…/<layer>/<role>[:0]`. Keras 1 names them
    /// `<layer>_W[:0]`, `<layer>_b`, …; those get Keras 2 names (`<layer>/kernel`) so that layer
    /// mappings find them by the same roles.
    private func storedName(_ name: String, ofLayer layer: String) throws -> String? {
        guard kerasVersion.major == 1 else {
            guard pooledNames != nil else { return name }
            guard let slash = name.lastIndex(of: "/") else { return nil }
            let owner = name[..<slash]
            return owner == layer || owner.hasSuffix("/" + layer) ? name : nil
        }
        var bare = Substring(name)
        if let colon = bare.lastIndex(of: ":"), bare[bare.index(after: colon)...].allSatisfy(\.isNumber) {
            bare = bare[..<colon]
        }
        guard bare.hasPrefix(layer + "_"), let role = Self.keras1Roles[String(bare.dropFirst(layer.count + 1))] else {
            return pooledNames == nil ? name : nil
        }
        return "\(layer)/\(role)"
    }

    /// Keras 1 weight-name suffixes and the Keras 2 names of the same weights; BatchNormalization's
    /// `running_std` always held the variance.
    private static let keras1Roles = [
        "W": "kernel", "b": "bias", "gamma": "gamma", "beta": "beta",
        "running_mean": "moving_mean", "running_std": "moving_variance",
    ]
}
