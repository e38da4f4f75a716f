import Foundation
import VizCore
import VizImage

/// The sink one run writes through: encodes arrays and images and records them for the manifest.
///
/// Images wait to be encoded together on all cores (PNG compression is most of an activation run's
/// time after the network's pass), until they hold `pendingLimit` bytes of pixels or the batch ends.
final class RunSink: ArtifactSink {
    let folder: OutputFolder
    let runName: String
    let wantsArrays: Bool
    private(set) var records: [ArtifactRecord] = []
    private(set) var predictions: [Manifest.PredictionRecord] = []
    /// The roles whose arrays a later run scores (`RunResultKind.maps`), kept for the batch.
    var keptMapRoles: Set<String> = []
    private(set) var maps: [ProducedMap] = []
    private var pendingImages: [(path: String, image: Bitmap, artifact: Artifact)] = []
    private var pendingBytes = 0
    private let pendingLimit = 64 << 20

    /// The results recorded since the last call, their files written, handed over and forgotten
    /// (so memory stays flat).
    func drain() throws -> Drained {
        try writePendingImages()
        defer { (records, predictions, maps) = ([], [], []) }
        return Drained(artifacts: records, predictions: predictions, maps: maps)
    }

    /// What a run wrote, predicted and made for later runs over a batch.
    struct Drained {
        var artifacts: [ArtifactRecord] = []
        var predictions: [Manifest.PredictionRecord] = []
        var maps: [ProducedMap] = []
    }

    init(folder: OutputFolder, runName: String, wantsArrays: Bool) {
        self.folder = folder
        self.runName = runName
        self.wantsArrays = wantsArrays
    }

    func add(_ artifact: Artifact, array: Tensor) throws {
        let stored = array.withoutBatchAxis
        if keptMapRoles.contains(artifact.role) { maps.append(ProducedMap(artifact: artifact, values: stored)) }
        guard wantsArrays else { return }
        guard stored.scalars.allSatisfy({ $0.isFinite }) else {
            throw VizError("the result holds NaN or infinite values; nothing was written", at: describe(artifact))
        }
        let path = folder.reservePath([runName] + artifact.name, ext: ".npy")
        try folder.write(stored.npyData(), to: path)
        records.append(record(artifact, kind: "array", shape: stored.shape, path: path))
    }

    func add(_ artifact: Artifact, image: Bitmap) throws {
        let path = folder.reservePath([runName] + artifact.name, ext: ".png")
        pendingImages.append((path, image, artifact))
        pendingBytes += image.pixels.count
        records.append(record(artifact, kind: "image", shape: nil, path: path))
        if pendingBytes >= pendingLimit { try writePendingImages() }
    }

    private func writePendingImages() throws {
        defer { (pendingImages, pendingBytes) = ([], 0) }
        for (pending, encoded) in zip(pendingImages, Bitmap.pngData(of: pendingImages.map(\.image))) {
            switch encoded {
            case .success(let data): try folder.write(data, to: pending.path)
            case .failure(let error): throw VizError(error.message, at: describe(pending.artifact))
            }
        }
    }

    func add(_ artifact: Artifact, animation frames: [Bitmap], frameDelay: Int) throws {
        let data: Data
        do { data = try Bitmap.gifData(frames: frames, delay: frameDelay) } catch let error as VizError {
            throw VizError(error.message, at: describe(artifact))
        }
        let path = folder.reservePath([runName] + artifact.name, ext: ".gif")
        try folder.write(data, to: path)
        records.append(record(artifact, kind: "animation", shape: nil, path: path))
    }

    func add(predictions top: [Prediction], for input: String) throws {
        predictions.append(Manifest.PredictionRecord(input: input, top: top))
    }

    private func record(_ artifact: Artifact, kind: String, shape: [Int]?, path: String) -> ArtifactRecord {
        ArtifactRecord(
            kind: kind, role: artifact.role, input: artifact.input, layer: artifact.layer,
            channel: artifact.channel, filter: artifact.filter, classIndex: artifact.classIndex,
            shape: shape, path: path, stats: artifact.stats, measures: artifact.measures)
    }

    private func describe(_ artifact: Artifact) -> String {
        ([runName] + artifact.name).joined(separator: "/")
    }
}

extension Tensor {
    /// The manifest contract: arrays are stored without the batch axis.
    package var withoutBatchAxis: Tensor { rank > 1 && shape[0] == 1 ? reshaped(Array(shape.dropFirst())) : self }
}
