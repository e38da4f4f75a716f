import HDF5
import KerasGraph
import VizCore

/// Loads Keras whole-model HDF5 files (`model.save("m.h5")`) written by Keras 1.x, Keras 2.x,
/// tf.keras or Keras 3: the architecture from the `model_config` attribute, the weights from
/// `/model_weights`. Keras 3's `.keras` archives are the `keras` loader's (Plugins/KerasLoader).
public final class HDF5ModelLoader: ModelLoader {
    public static let name = "hdf5"
    public static let fileExtensions = [".h5", ".hdf5"]
    public static let summary = "Keras whole-model .h5 files (model.save) from Keras 1, Keras 2, tf.keras and Keras 3"

    public init() {}

    public func load(_ spec: ModelSpec) throws -> Model {
        let file = try HDF5File(path: spec.path)
        let root = try file.root()
        guard let configJSON = try root.stringAttribute("model_config") else { throw missingConfig(root) }
        let weightsGroup = try storedWeights(root)
        // Keras reads the version from the weights group and takes its absence to mean Keras 1.
        let kerasVersion =
            try root.stringAttribute("keras_version")
            ?? weightsGroup.stringAttribute("keras_version") ?? "1"
        var metadata: [String: String] = [:]
        metadata["backend"] = try root.stringAttribute("backend") ?? weightsGroup.stringAttribute("backend")
        return try KerasModelAssembly.model(
            configJSON: configJSON, configSource: "the model_config attribute",
            kerasVersion: kerasVersion,
            weights: { LegacyKerasWeights(group: weightsGroup, kerasVersion: $0.kerasVersion) },
            layerTypes: spec.layerTypes, path: spec.path, loaderName: Self.name,
            metadata: metadata)
    }

    /// `/model_weights` in a whole-model file; tolerates a file that keeps them at the root, as
    /// `save_weights` does.
    private func storedWeights(_ root: HDF5Group) throws -> HDF5Group {
        if root.contains("model_weights") { return try root.group("model_weights") }
        guard root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") else {
            throw VizError("has a model_config but no weights (no /model_weights group)", at: root.file.path)
        }
        return root
    }

    /// Says what the file is, when it is not a whole Keras model.
    private func missingConfig(_ root: HDF5Group) -> VizError {
        let weightsOnly =
            root.hasAttribute("layer_names") || root.hasAttribute("layer_names0")
            || (root.contains("layers") && root.contains("vars"))
        guard weightsOnly else {
            return VizError("has no model_config attribute, so it is not a Keras model file", at: root.file.path)
        }
        return VizError(
            "holds weights only (save_weights); vizrun needs a whole-model file, saved with "
                + "model.save(\"….h5\")", at: root.file.path)
    }
}
