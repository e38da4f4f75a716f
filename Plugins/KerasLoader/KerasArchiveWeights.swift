import Foundation
import HDF5
import KerasGraph
import VizCore

/// Weights in the layout of Keras 3's `model.weights.h5` (inside a `.keras` archive, and what
/// `save_weights("x.weights.h5")` writes): `layers/<key>/vars/0, 1, …` per layer of `model.layers`,
/// a nested model under its own `layers/<key>/layers/…`.
///
/// The key is the layer's class in snake case, numbered per class in layer order (`conv2d`,
/// `conv2d_1`, …; Keras's `saving_lib._save_container_state`), so it is computed from the config;
/// HDF5 lists groups in lexical order (`conv2d_10` before `conv2d_2`), which would mismatch.
/// Variables are unnamed and in creation order, and are handed out by position.
struct KerasArchiveWeights: KerasWeightSource {
    /// The model's group: the file's root, or `layers/<key>` of a nested model.
    let group: HDF5Group
    private let keyByLayer: [String: String]

    init(group: HDF5Group, config: KerasModelConfig) {
        self.group = group
        var keys: [String: String] = [:]
        var usedCount: [String: Int] = [:]
        // A Sequential model's `layers` leaves out its InputLayer; a functional one's does not. Keras 3
        // operations (`x + 3.0`) are not layers at all.
        for layer in config.layers
        where !layer.isOperation
            && (config.className != "Sequential" || layer.className != "InputLayer")
        {
            let base = Self.snakeCase(layer.className)
            let count = usedCount[base, default: 0]
            keys[layer.name] = count == 0 ? base : "\(base)_\(count)"
            usedCount[base] = count + 1
        }
        keyByLayer = keys
    }

    func weights(ofLayer layer: String) throws -> KerasLayerWeights {
        // A Keras 3 operation (`x + 3.0`) is no layer and has no key: it stores nothing.
        let variablesPath = "layers/\(keyByLayer[layer] ?? "")/vars"
        let origin = group.memberPath(variablesPath)
        guard keyByLayer[layer] != nil, group.contains(variablesPath) else {
            return KerasLayerWeights(layer: layer, origin: origin, location: group.file.path, stored: [])
        }
        let variables = try group.group(variablesPath)
        // Keras ≥3.6 records the layer's name: a check that the computed key is the right one.
        if let owner = try variables.stringAttribute("name"), owner != layer {
            throw VizError(
                "\(origin) holds the weights of layer '\(owner)', where vizrun expected those of '\(layer)'",
                at: group.file.path)
        }
        var stored: [KerasLayerWeights.Stored] = []
        while variables.contains(String(stored.count)) {
            let name = String(stored.count)
            stored.append(
                KerasLayerWeights.Stored(
                    name: variables.memberPath(name),
                    value: try variables.floatDataset(name)))
        }
        return KerasLayerWeights(
            layer: layer, origin: origin, location: group.file.path, stored: stored,
            storedByPosition: true)
    }

    func weights(ofNestedModel layer: KerasModelConfig.Layer, config: KerasModelConfig) throws -> KerasWeightSource {
        let path = "layers/\(keyByLayer[layer.name] ?? layer.name)"
        guard group.contains(path + "/layers") else {
            throw VizError(
                "the weights of nested model '\(layer.path)' are missing: there is no group "
                    + group.memberPath(path + "/layers"), at: group.file.path)
        }
        return KerasArchiveWeights(group: try group.group(path), config: config)
    }

    /// Keras's `naming.to_snake_case`: `Conv2D` → `conv2d`, `MaxPooling2D` → `max_pooling2d`,
    /// `PReLU` → `p_re_lu`.
    static func snakeCase(_ className: String) -> String {
        var name = className.replacingOccurrences(of: "\\W+", with: "", options: .regularExpression)
        name = name.replacingOccurrences(of: "(.)([A-Z][a-z]+)", with: "$1_$2", options: .regularExpression)
        name = name.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression)
        return name.lowercased()
    }
}
