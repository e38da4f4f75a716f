import Foundation
import HDF5
import KerasGraph
import VizCore

/// Loads native `.keras` files (`model.save("m.keras")` in Keras 3, and in tf-keras, which writes
/// the same layout): the architecture from the archive's `config.json`, the weights from its
/// `model.weights.h5`, extracted to a temporary file so that libhdf5 reads only the weights the
/// model's layers take, straight into their arrays, and the archive never sits in memory whole.
public final class KerasArchiveLoader: ModelLoader {
    public static let name = "keras"
    public static let fileExtensions = [".keras"]
    public static let summary = "native .keras files (model.save) from Keras 3 and tf-keras"

    private static let weightsMember = "model.weights.h5"

    public init() {}

    public func load(_ spec: ModelSpec) throws -> Model {
        let archive = try KerasArchive(path: spec.path)
        let configJSON = try archive.text(of: "config.json", purpose: "the model's architecture")
        guard archive.contains(Self.weightsMember) || !archive.contains("model.weights.npz") else {
            throw VizError(
                "stores its weights as model.weights.npz, which vizrun cannot read; save the model "
                    + "with Keras's default .h5 weights", at: spec.path)
        }
        let kerasVersion = try kerasVersion(in: archive)
        return try archive.withExtractedFile(Self.weightsMember, purpose: "the model's weights") { extracted in
            let weights = try HDF5File(path: extracted, reportedAs: "\(spec.path)/\(Self.weightsMember)")
            return try KerasModelAssembly.model(
                configJSON: configJSON, configSource: "config.json in the .keras archive",
                kerasVersion: kerasVersion,
                weights: { KerasArchiveWeights(group: try weights.root(), config: $0) },
                layerTypes: spec.layerTypes, path: spec.path, loaderName: Self.name)
        }
    }

    /// `keras_version` from `metadata.json`; an archive without one is taken to be from Keras 3,
    /// the version that introduced the format.
    private func kerasVersion(in archive: KerasArchive) throws -> String {
        guard archive.contains("metadata.json") else { return "3" }
        let metadata = try archive.data(of: "metadata.json", purpose: "the Keras version")
        guard let object = try? JSONSerialization.jsonObject(with: metadata) as? [String: Any] else {
            throw VizError("metadata.json in the .keras archive is not a JSON object", at: archive.path)
        }
        return object["keras_version"] as? String ?? "3"
    }
}
