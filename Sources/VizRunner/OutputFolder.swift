import Foundation
import VizCore
import VizImage

/// The run's output folder: artifacts are written into a staging folder inside it and moved into
/// place only when every run has succeeded, so a failure never leaves a partial result.
///
/// vizrun refuses a non-empty folder it did not write (no `manifest.json` of its own) unless forced,
/// and on a rerun replaces the files its previous manifest lists.
final class OutputFolder {
    let root: URL
    private let staging: URL
    private let createdRoot: Bool
    private let previousManifest: Manifest?
    private var written: Set<String> = []

    static let manifestName = "manifest.json"

    init(path: String, force: Bool) throws {
        let fileManager = FileManager.default
        root = URL(fileURLWithPath: path).standardizedFileURL
        var isFolder: ObjCBool = false
        let exists = fileManager.fileExists(atPath: root.path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue { throw VizError("the output path is a file, not a folder", at: root.path) }
        let manifestURL = root.appendingPathComponent(Self.manifestName)
        previousManifest = (try? Data(contentsOf: manifestURL)).flatMap { try? JSONDecoder().decode(Manifest.self, from: $0) }
        if exists, previousManifest == nil, !force {
            let entries = (try? fileManager.contentsOfDirectory(atPath: root.path)) ?? []
            if entries.contains(where: { !$0.hasPrefix(".vizrun-staging") }) {
                throw VizError("the output folder holds files vizrun did not write; choose another `output.dir` or pass --force",
                               at: root.path)
            }
        }
        createdRoot = !exists
        staging = root.appendingPathComponent(".vizrun-staging-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw VizError("cannot create the output folder: \(error.localizedDescription)", at: root.path)
        }
    }

    /// A fresh, safe relative path under the output folder for `components` + `ext`.
    func reservePath(_ components: [String], ext: String) -> String {
        let safe = components.map(SafeName.component)
        return SafeName.unique(safe.joined(separator: "/"), suffix: ext, taken: &written)
    }

    func write(_ data: Data, to relativePath: String) throws {
        let url = staging.appendingPathComponent(relativePath)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: root.appendingPathComponent(relativePath).path)
        }
    }

    /// Moves every staged file into place, replacing the previous run's files, then writes the manifest.
    func commit(_ manifest: Manifest) throws {
        let fileManager = FileManager.default
        if let previous = previousManifest {
            for artifact in previous.runs.flatMap(\.artifacts) {
                let url = root.appendingPathComponent(artifact.path).standardizedFileURL
                guard url.path.hasPrefix(root.path + "/") else { continue }
                try? fileManager.removeItem(at: url)
            }
        }
        for relative in written.sorted() {
            let target = root.appendingPathComponent(relative)
            do {
                try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
                try fileManager.moveItem(at: staging.appendingPathComponent(relative), to: target)
            } catch {
                throw VizError("cannot move the result into place: \(error.localizedDescription)", at: target.path)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let temporary = staging.appendingPathComponent(Self.manifestName)
        do {
            try encoder.encode(manifest).write(to: temporary)
            let target = root.appendingPathComponent(Self.manifestName)
            // rename(2) replaces the old manifest atomically: readers see the old one or the new one.
            guard rename(temporary.path, target.path) == 0 else {
                throw VizError("cannot write the manifest: \(String(cString: strerror(errno)))", at: target.path)
            }
        } catch let error as VizError {
            throw error
        } catch {
            throw VizError("cannot write the manifest: \(error.localizedDescription)", at: root.path)
        }
        try? fileManager.removeItem(at: staging)
    }

    /// Drops everything staged; removes the output folder too if this run created it.
    func discard() {
        try? FileManager.default.removeItem(at: staging)
        if createdRoot { try? FileManager.default.removeItem(at: root) }
    }
}

/// The sink one run writes through: encodes arrays and images and records them for the manifest.
final class RunSink: ArtifactSink {
    let folder: OutputFolder
    let runName: String
    let wantsArrays: Bool
    private(set) var records: [Manifest.ArtifactRecord] = []
    private(set) var predictions: [Manifest.PredictionRecord] = []

    init(folder: OutputFolder, runName: String, wantsArrays: Bool) {
        self.folder = folder
        self.runName = runName
        self.wantsArrays = wantsArrays
    }

    func add(_ artifact: Artifact, array: Tensor) throws {
        guard wantsArrays else { return }
        // The manifest contract: arrays are stored without the batch axis.
        let stored = array.rank > 1 && array.shape[0] == 1 ? array.reshaped(Array(array.shape.dropFirst())) : array
        guard stored.scalars.allSatisfy({ $0.isFinite }) else {
            throw VizError("the result holds NaN or infinite values; nothing was written", at: describe(artifact))
        }
        let path = folder.reservePath([runName] + artifact.name, ext: ".npy")
        try folder.write(stored.npyData(), to: path)
        records.append(record(artifact, kind: "array", shape: stored.shape, path: path))
    }

    func add(_ artifact: Artifact, image: Bitmap) throws {
        let path = folder.reservePath([runName] + artifact.name, ext: ".png")
        try folder.write(try image.pngData(), to: path)
        records.append(record(artifact, kind: "image", shape: nil, path: path))
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

    private func record(_ artifact: Artifact, kind: String, shape: [Int]?, path: String) -> Manifest.ArtifactRecord {
        Manifest.ArtifactRecord(kind: kind, role: artifact.role, input: artifact.input, layer: artifact.layer,
                                channel: artifact.channel, filter: artifact.filter, classIndex: artifact.classIndex,
                                shape: shape, path: path)
    }

    private func describe(_ artifact: Artifact) -> String {
        ([runName] + artifact.name).joined(separator: "/")
    }
}
