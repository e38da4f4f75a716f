import Foundation
import VizCore
import VizImage

/// The run's output folder: files are written into a staging folder inside it and renamed into
/// place when `OutputJournal` checkpoints (a finished batch), which then lists them, so a failure
/// loses at most the batch in flight and nothing ever lists a missing file.
///
/// vizrun refuses a non-empty folder it did not write (no journal or `manifest.json` of its own)
/// unless forced; what the folder held before is `previous`, for a rerun to resume from.
final class OutputFolder {
    let root: URL
    private let createdRoot: Bool
    /// What the folder held before this run, if vizrun wrote it.
    let previous: Previous?
    /// The hash of every path reserved or kept, so no two results share a file. Hashes keep
    /// memory small over many inputs; two paths sharing one only gives the second a `_2` suffix.
    private var taken: Set<Int> = []
    /// Reserved paths whose files wait in the staging folder, each under a number of its own:
    /// flat (staging creates no folders) and short (a path may be longer than a file name may).
    private var staged: [String: Int] = [:]
    private var stagedCount = 0
    let staging: URL
    /// `root`'s and `staging`'s paths: a checkpoint joins thousands of paths to them, which
    /// string concatenation does many times faster than `URL.appendingPathComponent`.
    private let rootPath: String
    private let stagingPath: String
    /// Whether the folder holds a journal of this run, which a rerun can resume from.
    var holdsJournal = false
    /// The folders reserved paths lie in, created ahead of the checkpoint that moves files into
    /// them: creating many folders is much of a checkpoint's time (the file system's inode
    /// allocation), and an empty folder changes nothing a previous run listed.
    private var foldersAsked: Set<String> = []
    private let folderMaking = DispatchQueue(label: "vizrun.folders")
    /// Where checkpoints run, one at a time, while the next batch is computed (`ResultStore`).
    private let background = DispatchQueue(label: "vizrun.checkpoints")
    /// The first error met in the background; it stops the background work and `settle` throws it.
    private let backgroundError = FirstError()

    static let manifestName = "manifest.json"

    /// A previous run's header and entries.
    struct Previous {
        let header: Manifest
        let entries: EntryWalk
        /// Every file an entry lists, without reading the rest of its records.
        let listedPaths: PathWalk
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
                throw VizError(
                    "the output folder holds files vizrun did not write; choose another `output.dir` or pass --force",
                    at: root.path)
            }
        }
        createdRoot = !exists
        Self.removeAbandonedStaging(in: root)
        staging = root.appendingPathComponent(".vizrun-staging-\(ProcessInfo.processInfo.processIdentifier)")
        (rootPath, stagingPath) = (root.path == "/" ? "" : root.path, staging.path)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw VizError("cannot create the output folder: \(error.systemReason)", at: root.path)
        }
    }

    /// The folder's journal, read a line at a time; or, from a vizrun that wrote none, its manifest.
    static func previousRun(in root: URL) -> Previous? {
        let journal = root.appendingPathComponent(Journal.fileName)
        if let header = Journal.header(at: journal) {
            return Previous(
                header: header, entries: { body in try Journal.forEachEntry(at: journal) { entry, _ in try body(entry) } },
                listedPaths: { body in try Journal.forEachListing(at: journal, body) })
        }
        guard let data = try? Data(contentsOf: root.appendingPathComponent(manifestName)),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data)
        else { return nil }
        let (header, entries) = Journal.entries(of: manifest)
        return Previous(
            header: header, entries: { body in try entries.forEach(body) },
            listedPaths: { body in try entries.forEach { try body($0.paths) } })
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
        let path = SafeName.unique(safe.joined(separator: "/"), suffix: ext) { taken.contains($0.hashValue) }
        taken.insert(path.hashValue)
        staged[path] = stagedCount
        stagedCount += 1
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, foldersAsked.insert(folder).inserted {
            let url = root.appendingPathComponent(folder)
            folderMaking.async { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        }
        return path
    }

    /// Marks files already in place (reused from the previous run) as taken, so nothing new overwrites them.
    func keep(_ paths: [String]) {
        taken.formUnion(paths.map(\.hashValue))
    }

    /// Whether a file is in place at `relativePath`.
    func holds(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// Where a reserved path's file waits for the next checkpoint.
    func stagedFile(_ relativePath: String) -> URL {
        URL(fileURLWithPath: stagedPath(relativePath))
    }

    private func stagedPath(_ relativePath: String) -> String {
        guard let number = staged[relativePath] else { preconditionFailure("\(relativePath) was not reserved") }
        return stagingPath + "/" + String(number)
    }

    func write(_ data: Data, to relativePath: String) throws {
        do { try FileWriting.write(data, toFile: stagedPath(relativePath)) } catch {
            throw VizError("cannot write: \(error.systemReason)", at: rootPath + "/" + relativePath)
        }
    }

    /// Removes listed files of the previous run, which no journal lists any more; never a file
    /// outside the folder.
    func remove(_ relativePaths: [String]) {
        for path in relativePaths {
            let url = root.appendingPathComponent(path).standardizedFileURL
            guard url.path.hasPrefix(root.path + "/") else { continue }
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// The files staged since the last call, by relative path, each under its number in staging.
    typealias StagedFiles = [String: Int]

    /// Hands over the files staged so far, for a checkpoint to put in place; files staged from now
    /// on wait for the next one.
    func takeStagedFiles() -> StagedFiles {
        defer { staged.removeAll() }
        return staged
    }

    /// Renames each file over its place (creating its folder if it is still missing), on two
    /// threads: a rename into another folder is a system call of its own, and the last batch's
    /// thousands of them are waited for.
    func place(_ files: StagedFiles) throws {
        folderMaking.sync {}
        let moves = files.map { relative, number in (stagingPath + "/" + String(number), rootPath + "/" + relative) }
        let shares = min(2, moves.count)
        let failure = FirstError()
        DispatchQueue.concurrentPerform(iterations: shares) { share in
            for (source, target) in moves[(share * moves.count / shares)..<((share + 1) * moves.count / shares)] {
                guard failure.value == nil else { return }
                do { try Self.move(source, to: target) } catch { failure.record(error) }
            }
        }
        if let error = failure.value { throw error }
    }

    private static func move(_ source: String, to target: String) throws {
        if rename(source, target) == 0 { return }
        if errno == ENOENT {
            try? FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if rename(source, target) == 0 { return }
        }
        throw VizError("cannot move the result into place: \(String(cString: strerror(errno)))", at: target)
    }

    /// Runs `work` after the work handed over before it, while the caller goes on; once one fails,
    /// the rest is skipped and `settle` throws its error. `settle(upTo:)` with what it returns
    /// waits for this work and the work before it only.
    @discardableResult
    func inBackground(_ work: @escaping () throws -> Void) -> DispatchWorkItem {
        let item = DispatchWorkItem { [backgroundError] in
            guard backgroundError.value == nil else { return }
            do { try work() } catch { backgroundError.record(error) }
        }
        background.async(execute: item)
        return item
    }

    /// Waits for the work handed to the background; throws the first error it met.
    func settle() throws {
        background.sync {}
        if let error = backgroundError.value { throw error }
    }

    /// Waits for `work` (handed to the background) and the work before it, not for the work after.
    func settle(upTo work: DispatchWorkItem) throws {
        work.wait()
        if let error = backgroundError.value { throw error }
    }

    /// Writes a file beside the staged files, then, once `ready` returns, renames it over `name`
    /// in the output folder: rename(2) is atomic, so readers see the old file or the new one,
    /// never half of one.
    func replaceAtomically(
        _ name: String, once ready: () throws -> Void = {}, writing contents: (TextFile) throws -> Void
    ) throws {
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
            throw VizError("cannot write: \(error.systemReason)", at: target.path)
        }
        try ready()
        guard rename(temporary.path, target.path) == 0 else {
            throw VizError("cannot write: \(String(cString: strerror(errno)))", at: target.path)
        }
    }

    /// Removes the staging folder, once everything in it is in place.
    func finish() {
        try? FileManager.default.removeItem(at: staging)
    }

    /// Drops everything staged; removes the output folder too if this run created it and listed
    /// nothing in it yet, or if nothing can resume from it (a merge starts over): otherwise the
    /// checkpointed inputs stay, for a rerun to resume from.
    func discard(resumable: Bool = true) {
        // Nothing may still be making folders or renaming into the folder while it is cleared.
        folderMaking.sync {}
        background.sync {}
        finish()
        if createdRoot && (!holdsJournal || !resumable) { try? FileManager.default.removeItem(at: root) }
    }
}
