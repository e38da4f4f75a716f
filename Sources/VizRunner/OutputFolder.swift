import Foundation
import VizCore
import VizImage

/// The run's output folder: artifacts are written into a staging folder inside it and moved into
/// place at each checkpoint (a finished batch) together with a manifest listing them, so a failure
/// loses at most the batch in flight and never leaves a manifest listing a missing file.
///
/// vizrun refuses a non-empty folder it did not write (no `manifest.json` of its own) unless forced,
/// and on a rerun replaces the files its previous manifest lists, except those it keeps (reuses).
final class OutputFolder {
    let root: URL
    private let staging: URL
    private let createdRoot: Bool
    /// The manifest found in the folder before this run, if any.
    let previousManifest: Manifest?
    /// Every path reserved or kept, so no two results share a file.
    private var taken: Set<String> = []
    /// Reserved paths whose files wait in the staging folder.
    private var staged: [String] = []
    private var checkpointed = false

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
        Self.removeAbandonedStaging(in: root)
        staging = root.appendingPathComponent(".vizrun-staging-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw VizError("cannot create the output folder: \(error.localizedDescription)", at: root.path)
        }
    }

    /// Staging folders of runs that were killed (their process is gone) hold only unlisted files.
    private static func removeAbandonedStaging(in root: URL) {
        let prefix = ".vizrun-staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: root.appendingPathComponent(entry))
        }
    }

    /// A fresh, safe relative path under the output folder for `components` + `ext`.
    func reservePath(_ components: [String], ext: String) -> String {
        let safe = components.map(SafeName.component)
        let path = SafeName.unique(safe.joined(separator: "/"), suffix: ext, taken: &taken)
        staged.append(path)
        return path
    }

    /// Marks files already in place (reused from the previous run) as taken, so nothing new overwrites them.
    func keep(_ paths: [String]) {
        taken.formUnion(paths)
    }

    /// Whether a file is in place at `relativePath`.
    func holds(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
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

    /// Moves the files staged so far into place, then writes `manifest` (which lists them) over the last one.
    func checkpoint(_ manifest: Manifest) throws {
        try moveStagedFiles()
        try replaceAtomically(Self.manifestName, with: try Self.encode(manifest, at: root))
        checkpointed = true
    }

    /// The last checkpoint: removes the previous run's files the final manifest no longer lists,
    /// moves the rest into place, then writes the report and, last, the manifest.
    func commit(_ manifest: Manifest) throws {
        let fileManager = FileManager.default
        if let previous = previousManifest {
            let listed = Set(manifest.runs.flatMap(\.artifacts).map(\.path) + manifest.inputs.compactMap(\.image))
            for path in previous.runs.flatMap(\.artifacts).map(\.path) + previous.inputs.compactMap(\.image)
            where !listed.contains(path) {
                let url = root.appendingPathComponent(path).standardizedFileURL
                guard url.path.hasPrefix(root.path + "/") else { continue }
                try? fileManager.removeItem(at: url)
            }
        }
        try moveStagedFiles()
        try replaceAtomically(HTMLReport.fileName, with: Data(HTMLReport(manifest: manifest).html.utf8))
        try replaceAtomically(Self.manifestName, with: try Self.encode(manifest, at: root))
        try? fileManager.removeItem(at: staging)
    }

    private func moveStagedFiles() throws {
        let fileManager = FileManager.default
        for relative in staged {
            let target = root.appendingPathComponent(relative)
            do {
                try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
                try fileManager.moveItem(at: staging.appendingPathComponent(relative), to: target)
            } catch {
                throw VizError("cannot move the result into place: \(error.localizedDescription)", at: target.path)
            }
        }
        staged.removeAll()
    }

    static func encode(_ manifest: Manifest, at root: URL) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(manifest) } catch {
            throw VizError("cannot encode the manifest: \(error)", at: root.appendingPathComponent(manifestName).path)
        }
    }

    /// Writes `data` beside the staged files, then renames it over `name` in the output folder:
    /// rename(2) is atomic, so readers see the old file or the new one, never half of one.
    private func replaceAtomically(_ name: String, with data: Data) throws {
        // A leading dot: no staged artifact path can start with one (SafeName), so no clash.
        let temporary = staging.appendingPathComponent(".pending-" + name)
        let target = root.appendingPathComponent(name)
        do { try data.write(to: temporary) } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: target.path)
        }
        guard rename(temporary.path, target.path) == 0 else {
            throw VizError("cannot write: \(String(cString: strerror(errno)))", at: target.path)
        }
    }

    /// Drops everything staged; removes the output folder too if this run created it and listed
    /// nothing in it yet (otherwise the checkpointed inputs stay, for a rerun to resume from).
    func discard() {
        try? FileManager.default.removeItem(at: staging)
        if createdRoot && !checkpointed { try? FileManager.default.removeItem(at: root) }
    }
}

/// The sink one run writes through: encodes arrays and images and records them for the manifest.
///
/// Images wait to be encoded together on all cores (PNG compression is most of an activation run's
/// time after the network's pass), until they hold `pendingLimit` bytes of pixels or the batch ends.
final class RunSink: ArtifactSink {
    let folder: OutputFolder
    let runName: String
    let wantsArrays: Bool
    private(set) var records: [Manifest.ArtifactRecord] = []
    private(set) var predictions: [Manifest.PredictionRecord] = []
    private var pendingImages: [(path: String, image: Bitmap, artifact: Artifact)] = []
    private var pendingBytes = 0
    private let pendingLimit = 64 << 20

    /// The results recorded since the last call, their files written, handed over and forgotten
    /// (so memory stays flat).
    func drain() throws -> (artifacts: [Manifest.ArtifactRecord], predictions: [Manifest.PredictionRecord]) {
        try writePendingImages()
        defer { (records, predictions) = ([], []) }
        return (records, predictions)
    }

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

    private func record(_ artifact: Artifact, kind: String, shape: [Int]?, path: String) -> Manifest.ArtifactRecord {
        Manifest.ArtifactRecord(kind: kind, role: artifact.role, input: artifact.input, layer: artifact.layer,
                                channel: artifact.channel, filter: artifact.filter, classIndex: artifact.classIndex,
                                shape: shape, path: path, stats: artifact.stats)
    }

    private func describe(_ artifact: Artifact) -> String {
        ([runName] + artifact.name).joined(separator: "/")
    }
}
