import Foundation
import VizCore

/// `vizrun merge`: the outputs of one config's shards (`--shard i/n`) combined into one folder,
/// one manifest and one report, as if a single run had produced them.
public enum ShardMerge {
    /// Copies every listed file of `folders` into `output` and writes the combined manifest and
    /// report; returns what it wrote. Reads each folder's journal a line at a time, so memory
    /// stays flat however many inputs the shards hold. The runs' visualizers come from `registry`:
    /// their aggregates are written anew over every shard's inputs.
    @discardableResult
    public static func merge(
        _ folders: [String], into output: String, force: Bool = false,
        registry: Registry = .builtins()
    ) throws -> WrittenOutput {
        let outputRoot = URL(fileURLWithPath: output).standardizedFileURL
        let parts = try folders.map { path -> (root: URL, previous: OutputFolder.Previous) in
            let root = URL(fileURLWithPath: path).standardizedFileURL
            guard root.path != outputRoot.path else {
                throw VizError("the merge output cannot be one of the folders merged", at: root.path)
            }
            let manifest = root.appendingPathComponent(OutputFolder.manifestName)
            guard FileManager.default.fileExists(atPath: manifest.path) else {
                throw VizError("no manifest.json here: not a vizrun output folder", at: root.path)
            }
            guard let previous = OutputFolder.previousRun(in: root) else {
                throw VizError("manifest.json is not a vizrun manifest", at: manifest.path)
            }
            return (root, previous)
        }.sorted { ($0.previous.header.shard?.index ?? 0) < ($1.previous.header.shard?.index ?? 0) }
        guard let first = parts.first?.previous.header else { throw VizError("name at least one folder to merge") }
        try check(parts)
        let summaries = try summarizingRoles(
            of: first.runs, registry: registry,
            in: parts[0].root.appendingPathComponent(OutputFolder.manifestName).path)

        let folder = try OutputFolder(path: outputRoot.path, force: force)
        do {
            var header = first
            header.vizrun = Runner.version
            header.shard = nil
            header.created = ISO8601DateFormatter().string(from: Date())
            header.seconds = Runner.rounded(parts.compactMap { $0.previous.header.seconds }.reduce(0, +))
            for run in header.runs.indices {
                header.runs[run].seconds = Runner.rounded(parts.map { $0.previous.header.runs[run].seconds }.reduce(0, +))
                header.runs[run].computeSeconds = nil
                header.runs[run].writeSeconds = nil
            }
            header.complete = false
            let journal = try OutputJournal(folder: folder, header: header, registry: registry)
            var order: [Range<Int>] = []
            for (root, previous) in parts {
                try previous.entries { entry in
                    var copied = entry
                    copied.input?.image = try entry.input?.image.map { try copy($0, from: root, into: folder) }
                    for run in copied.runs.indices {
                        // Aggregates are recomputed over all the shards' inputs when the merge closes.
                        copied.runs[run].artifacts = try entry.runs[run].artifacts
                            .filter { !summaries[run].contains($0.role) }
                            .map { artifact in
                                var artifact = artifact
                                artifact.path = try copy(artifact.path, from: root, into: folder)
                                return artifact
                            }
                    }
                    guard copied.input != nil || !copied.runs.allSatisfy(\.isEmpty) else { return }
                    for line in try journal.checkpoint([copied], placing: folder.takeStagedFiles()) {
                        order.append(line.range)
                        try journal.summary.add(copied, line: line.text)
                    }
                }
            }
            header.complete = true
            return try journal.close(header: header, order: order, aggregates: try journal.summary.writeAggregates())
        } catch {
            folder.discard(resumable: false)
            throw error
        }
    }

    /// Per run, the roles of its aggregate's files, which the merge writes anew. A visualizer that
    /// is not registered cannot be merged: its aggregate would be left over one shard's inputs.
    private static func summarizingRoles(
        of runs: [Manifest.RunRecord], registry: Registry,
        in manifest: String
    ) throws -> [Set<String>] {
        try runs.map { run in
            guard let visualizer = registry.visualizers.first(where: { $0.name == run.visualizer })?.type else {
                throw VizError(
                    "run '\(run.name)' was made by the visualizer '\(run.visualizer)', which is not loaded; "
                        + "name its plugin with --plugin", at: manifest)
            }
            return Set(visualizer.roles.filter(\.summarizesInputs).map(\.name))
        }
    }

    /// The parts must come from one config (same model, preprocessing, runs and arrays), be complete, hold
    /// distinct inputs, and, when sharded, be every shard exactly once.
    private static func check(_ parts: [(root: URL, previous: OutputFolder.Previous)]) throws {
        let first = parts[0].previous.header
        var ids: Set<String> = []
        for (root, previous) in parts {
            let header = previous.header
            guard header.complete != false else {
                throw VizError("this output is incomplete (an interrupted run); rerun its shard first", at: root.path)
            }
            guard header.model == first.model, header.preprocessing == first.preprocessing, header.arrays == first.arrays,
                header.runs.map(\.name) == first.runs.map(\.name),
                header.runs.map(\.visualizer) == first.runs.map(\.visualizer),
                header.runs.map(\.options) == first.runs.map(\.options)
            else {
                throw VizError(
                    "this output comes from another model, preprocessing, runs or `output.arrays` than \(parts[0].root.path)",
                    at: root.path)
            }
            try previous.entries { entry in
                if let input = entry.input, !ids.insert(input.id).inserted {
                    throw VizError("input '\(input.id)' appears in two of the folders merged", at: root.path)
                }
            }
        }
        let shards = parts.map { $0.previous.header.shard }
        guard let count = shards.first??.count else { return }
        func refuse(_ problem: String) -> VizError {
            VizError("merge needs each of the \(count) shards exactly once; \(problem)", at: parts[0].root.path)
        }
        for (part, shard) in zip(parts, shards) where shard?.count != count {
            throw refuse(shard.map { "\(part.root.path) is shard \($0.index)/\($0.count)" } ?? "\(part.root.path) is no shard")
        }
        let indices = shards.compactMap { $0?.index }
        if let twice = Dictionary(grouping: indices, by: { $0 }).filter({ $0.value.count > 1 }).keys.min() {
            throw refuse("shard \(twice) is given twice")
        }
        let missing = Set(0..<count).subtracting(indices).sorted()
        guard missing.isEmpty else { throw refuse("missing shard(s) \(missing.map(String.init).joined(separator: ", "))") }
    }

    /// Copies one listed file into the merge's output folder; returns its path there.
    private static func copy(_ relativePath: String, from root: URL, into folder: OutputFolder) throws -> String {
        let source = root.appendingPathComponent(relativePath).standardizedFileURL
        guard source.path.hasPrefix(root.path + "/"), let data = FileManager.default.contents(atPath: source.path) else {
            throw VizError("a file the manifest lists is missing", at: source.path)
        }
        let ext = (relativePath as NSString).pathExtension
        let components = (relativePath as NSString).deletingPathExtension.split(separator: "/").map(String.init)
        let path = folder.reservePath(components, ext: ext.isEmpty ? "" : "." + ext)
        try folder.write(data, to: path)
        return path
    }
}
