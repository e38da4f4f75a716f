import Foundation
import VizCore
import VizImage

/// The run's output folder: artifacts are written into a staging folder inside it and moved into
/// place at each checkpoint (a finished batch), then listed in the journal (`Journal`), so a failure
/// loses at most the batch in flight and nothing ever lists a missing file. When the run ends,
/// `commit` writes the aggregates, `report.html` and, last, `manifest.json`, streamed from the journal.
///
/// vizrun refuses a non-empty folder it did not write (no journal or `manifest.json` of its own)
/// unless forced, and on a rerun replaces the files its previous run listed, except those it
/// keeps (reuses).
final class OutputFolder {
    let root: URL
    private let staging: URL
    private let createdRoot: Bool
    /// What the folder held before this run, if vizrun wrote it.
    let previous: Previous?
    /// The hash of every path reserved or kept, so no two results share a file. Hashes keep
    /// memory small over many inputs; two paths sharing one only gives the second a `_2` suffix.
    private var taken: Set<Int> = []
    /// The previous run's paths this run reuses; the rest are removed at the first checkpoint.
    private var kept: Set<String> = []
    /// Reserved paths whose files wait in the staging folder, each under a number of its own:
    /// flat (staging creates no folders) and short (a path may be longer than a file name may).
    private var staged: [String: Int] = [:]
    private var stagedCount = 0
    /// This run's journal: in the staging folder until the first checkpoint puts it in place.
    private(set) var journal: Journal.Writer?
    private var header: Manifest?
    private var checkpointed = false

    static let manifestName = "manifest.json"

    /// A previous run's header and entries.
    struct Previous {
        let header: Manifest
        let entries: EntryWalk
    }

    init(path: String, force: Bool) throws {
        let fileManager = FileManager.default
        root = URL(fileURLWithPath: path).standardizedFileURL
        var isFolder: ObjCBool = false
        let exists = fileManager.fileExists(atPath: root.path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue { throw VizError("the output path is a file, not a folder", at: root.path) }
        previous = Self.previousRun(in: root)
        if exists, previous == nil, !force {
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

    /// The folder's journal, read a line at a time; or, from a vizrun that wrote none, its manifest.
    static func previousRun(in root: URL) -> Previous? {
        let journal = root.appendingPathComponent(Journal.fileName)
        if let header = Journal.header(at: journal) {
            return Previous(header: header) { body in try Journal.forEachEntry(at: journal) { entry, _ in try body(entry) } }
        }
        guard let data = try? Data(contentsOf: root.appendingPathComponent(manifestName)),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return nil }
        let (header, entries) = Journal.entries(of: manifest)
        return Previous(header: header) { body in try entries.forEach(body) }
    }

    /// Staging folders of runs that were killed (their process is gone) hold only unlisted files.
    private static func removeAbandonedStaging(in root: URL) {
        let prefix = ".vizrun-staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: root.appendingPathComponent(entry))
        }
    }

    /// Starts this run's journal, in the staging folder; `header` is also the manifest `manifest.json`
    /// holds (listing nothing, `complete: false`) from the first checkpoint until the run ends.
    func startJournal(header: Manifest) throws -> Journal.Writer {
        let writer = try Journal.Writer(url: staging.appendingPathComponent(".pending" + Journal.fileName), header: header)
        (journal, self.header) = (writer, header)
        return writer
    }

    /// A fresh, safe relative path under the output folder for `components` + `ext`.
    func reservePath(_ components: [String], ext: String) -> String {
        let safe = components.map(SafeName.component)
        let path = SafeName.unique(safe.joined(separator: "/"), suffix: ext) { taken.contains($0.hashValue) }
        taken.insert(path.hashValue)
        staged[path] = stagedCount
        stagedCount += 1
        return path
    }

    /// Marks files already in place (reused from the previous run) as taken, so nothing new
    /// overwrites them and the first checkpoint keeps them.
    func keep(_ paths: [String]) {
        taken.formUnion(paths.map(\.hashValue))
        kept.formUnion(paths)
    }

    /// Whether a file is in place at `relativePath`.
    func holds(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// Where a reserved path's file waits for the next checkpoint.
    func stagedFile(_ relativePath: String) -> URL {
        guard let number = staged[relativePath] else { preconditionFailure("\(relativePath) was not reserved") }
        return staging.appendingPathComponent(String(number))
    }

    func write(_ data: Data, to relativePath: String) throws {
        do { try data.write(to: stagedFile(relativePath)) } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: root.appendingPathComponent(relativePath).path)
        }
    }

    /// Moves the files staged so far into place, then calls `record` to list them in the journal.
    /// The first checkpoint first replaces `manifest.json` by one that says the run is under way
    /// and removes the previous run's files this run does not keep, and ends by putting the
    /// journal in place.
    func checkpoint(record: () throws -> Void) throws {
        guard let journal, let header else { preconditionFailure("startJournal comes before the first checkpoint") }
        if !checkpointed {
            var underWay = header
            underWay.complete = false
            try replaceAtomically(Self.manifestName) { file in try file.write(try Self.encode(underWay, at: root)) }
            try removePreviousFiles()
        }
        try moveStagedFiles()
        try record()
        guard !checkpointed else { return }
        try journal.move(to: root.appendingPathComponent(Journal.fileName))
        checkpointed = true
    }

    /// The previous run's files that this run neither keeps nor overwrites: after the first
    /// checkpoint the journal no longer lists them.
    private func removePreviousFiles() throws {
        guard let previous else { return }
        try previous.entries { entry in
            for path in entry.paths where !kept.contains(path) {
                let url = root.appendingPathComponent(path).standardizedFileURL
                guard url.path.hasPrefix(root.path + "/") else { continue }
                try? FileManager.default.removeItem(at: url)
            }
        }
        kept = []
    }

    /// The last checkpoint: rewrites the journal with `header` and `entries` (every input's, in
    /// order) followed by the aggregates over them, then writes the report and, last, the manifest,
    /// each streamed from the journal.
    @discardableResult
    func commit(header: Manifest, entries: EntryWalk, registry: Registry) throws -> WrittenOutput {
        try checkpoint {}
        let final = try Journal.Writer(url: staging.appendingPathComponent(".final" + Journal.fileName), header: header)
        var aggregates = Aggregates(runs: header.runs, registry: registry, folder: self)
        try entries { entry in
            try final.append(entry)
            aggregates.add(entry)
        }
        if let entry = try aggregates.write() {
            try moveStagedFiles()
            try final.append(entry)
            aggregates.add(entry)
        }
        try final.move(to: root.appendingPathComponent(Journal.fileName))
        journal = final
        let written: EntryWalk = { body in try Journal.forEachEntry(at: final.url) { entry, _ in try body(entry) } }
        try replaceAtomically(HTMLReport.fileName) { file in
            try HTMLReport(header: header, aggregates: aggregates).write(entries: written, to: file, scratch: staging)
        }
        try replaceAtomically(Self.manifestName) { file in try ManifestStream.write(header: header, entries: written, to: file, scratch: staging) }
        try? FileManager.default.removeItem(at: staging)
        return WrittenOutput(folder: root, inputs: aggregates.inputCount,
                             artifacts: header.runs.indices.map(aggregates.artifactCount(ofRun:)).reduce(0, +))
    }

    /// Renames each staged file over its place (creating its folder the first time one is missing).
    private func moveStagedFiles() throws {
        for relative in staged.keys {
            let (source, target) = (stagedFile(relative).path, root.appendingPathComponent(relative))
            if rename(source, target.path) == 0 { continue }
            if errno == ENOENT {
                try? FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if rename(source, target.path) == 0 { continue }
            }
            throw VizError("cannot move the result into place: \(String(cString: strerror(errno)))", at: target.path)
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

    /// Writes a file beside the staged files, then renames it over `name` in the output folder:
    /// rename(2) is atomic, so readers see the old file or the new one, never half of one.
    private func replaceAtomically(_ name: String, writing contents: (TextFile) throws -> Void) throws {
        // A leading dot: staged files are named by number, so no clash.
        let temporary = staging.appendingPathComponent(".pending-" + name)
        let target = root.appendingPathComponent(name)
        let file = try TextFile(url: temporary)
        do {
            try contents(file)
            try file.close()
        } catch let error as VizError {
            throw error
        } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: target.path)
        }
        guard rename(temporary.path, target.path) == 0 else {
            throw VizError("cannot write: \(String(cString: strerror(errno)))", at: target.path)
        }
    }

    /// Drops everything staged; removes the output folder too if this run created it and listed
    /// nothing in it yet, or if nothing can resume from it (a merge starts over): otherwise the
    /// checkpointed inputs stay, for a rerun to resume from.
    func discard(resumable: Bool = true) {
        try? FileManager.default.removeItem(at: staging)
        if createdRoot && (!checkpointed || !resumable) { try? FileManager.default.removeItem(at: root) }
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
    private(set) var records: [ArtifactRecord] = []
    private(set) var predictions: [Manifest.PredictionRecord] = []
    private var pendingImages: [(path: String, image: Bitmap, artifact: Artifact)] = []
    private var pendingBytes = 0
    private let pendingLimit = 64 << 20

    /// The results recorded since the last call, their files written, handed over and forgotten
    /// (so memory stays flat).
    func drain() throws -> (artifacts: [ArtifactRecord], predictions: [Manifest.PredictionRecord]) {
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

    private func record(_ artifact: Artifact, kind: String, shape: [Int]?, path: String) -> ArtifactRecord {
        ArtifactRecord(kind: kind, role: artifact.role, input: artifact.input, layer: artifact.layer,
                                channel: artifact.channel, filter: artifact.filter, classIndex: artifact.classIndex,
                                shape: shape, path: path, stats: artifact.stats)
    }

    private func describe(_ artifact: Artifact) -> String {
        ([runName] + artifact.name).joined(separator: "/")
    }
}
