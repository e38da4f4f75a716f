import Foundation
import KerasGraph
import VizCore

/// Loads a model from an architecture file (YAML or JSON: input shape, Keras-style layers, the
/// weights' layout) and a file of raw weight tensors: `.safetensors`, `.npz`, a folder of `.npy`
/// files, or raw float32 `.bin`. The layers are built by the same mappings as Keras files
/// (`KerasModelAssembly`), so every layer type and option of the Keras loaders works here.
///
/// The model path is the architecture (`model: arch.yaml`), whose `weights` key names the weights,
/// or which has them beside it under the same stem (`arch.safetensors`, `arch.npz`, `arch.bin` or
/// a folder `arch/`). Or the path is the weights and `architecture:` names the architecture.
public final class RawModelLoader: ModelLoader {
    public static let name = "raw"
    public static let architectureExtensions = [".yaml", ".yml", ".json"]
    public static let fileExtensions = architectureExtensions + WeightFiles.extensions
    public static let summary =
        "an architecture file (YAML/JSON) plus weights in .safetensors, .npz, .npy files or "
        + "raw float32, in Keras or PyTorch layout"

    public init() {}

    public func load(_ spec: ModelSpec) throws -> Model {
        let isArchitecture = Self.architectureExtensions.contains { spec.path.lowercased().hasSuffix($0) }
        guard let architecturePath = spec.architecture ?? (isArchitecture ? spec.path : nil) else {
            throw VizError(
                "raw weights need an architecture file; name it with `architecture:` in the config's "
                    + "model mapping, or make the model path the architecture", at: spec.path)
        }
        let architecture = try RawArchitecture(file: architecturePath)
        let weightsFile = try spec.architecture == nil ? weightsPath(of: architecture) : spec.path
        let file = try WeightFiles.open(weightsFile, architecture: architecture)
        let weights = try RawWeights(architecture: architecture, file: file)
        let layers = architecture.layers.map { layer in
            KerasLayerDescription(
                name: layer.name, className: layer.type, options: layer.options, inputs: layer.inputs,
                location: layer.location)
        }
        return try KerasModelAssembly.model(
            inputName: RawArchitecture.inputName, inputShape: architecture.inputShape, layers: layers,
            weights: weights, layerTypes: spec.layerTypes, location: architecture.location, path: spec.path,
            loaderName: Self.name,
            metadata: [
                "architecture": architecturePath, "weights": weightsFile,
                "layout": architecture.layout.rawValue,
            ])
    }

    /// The `weights` key, or the one weights file or folder beside the architecture with its stem.
    private func weightsPath(of architecture: RawArchitecture) throws -> String {
        if let path = architecture.weights { return path }
        let stem = URL(fileURLWithPath: architecture.file).deletingPathExtension().path
        let candidates = WeightFiles.extensions.map { stem + $0 } + [stem]
        let present = candidates.filter { FileManager.default.fileExists(atPath: $0) }
        guard present.count == 1 else {
            let names = (present.isEmpty ? candidates : present).map { URL(fileURLWithPath: $0).lastPathComponent }
            throw architecture.root.error(
                (present.isEmpty
                    ? "no weights beside the architecture (looked for "
                    : "several weights beside the "
                        + "architecture (") + names.joined(separator: ", ") + "); name them with the key `weights`")
        }
        return present[0]
    }
}
