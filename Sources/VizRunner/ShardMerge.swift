import Foundation
import VizCore

/// `vizrun merge`: the outputs of one config's shards (`--shard i/n`) combined into one folder,
/// one manifest and one report, as if a single run had produced them.
public enum ShardMerge {
    /// Copies every listed file of `folders` into `output` and writes the combined manifest and report.
    @discardableResult
    public static func merge(_ folders: [String], into output: String, force: Bool = false) throws -> Manifest {
        let outputRoot = URL(fileURLWithPath: output).standardizedFileURL
        let parts = try folders.map { path -> (root: URL, manifest: Manifest) in
            let root = URL(fileURLWithPath: path).standardizedFileURL
            guard root.path != outputRoot.path else { throw VizError("the merge output cannot be one of the folders merged", at: root.path) }
            let file = root.appendingPathComponent(OutputFolder.manifestName)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw VizError("no manifest.json here: not a vizrun output folder", at: root.path)
            }
            do { return (root, try JSONDecoder().decode(Manifest.self, from: data)) } catch {
                throw VizError("manifest.json is not a vizrun manifest: \(error)", at: file.path)
            }
        }.sorted { ($0.manifest.shard?.index ?? 0) < ($1.manifest.shard?.index ?? 0) }
        guard let first = parts.first?.manifest else { throw VizError("name at least one folder to merge") }
        try check(parts)

        let folder = try OutputFolder(path: outputRoot.path, force: force)
        do {
            var inputs: [Manifest.InputRecord] = []
            var runs = first.runs.map { Manifest.RunRecord(name: $0.name, visualizer: $0.visualizer, seconds: 0, artifacts: [],
                                                           options: $0.options) }
            for (root, manifest) in parts {
                for var input in manifest.inputs {
                    input.image = try input.image.map { try copy($0, from: root, into: folder) }
                    inputs.append(input)
                }
                for (index, run) in manifest.runs.enumerated() {
                    runs[index].seconds = Runner.rounded(runs[index].seconds + run.seconds)
                    // Aggregates are recomputed over all the shards' inputs below.
                    for var artifact in run.artifacts where ![ChannelMeans.role, ContactSheet.role].contains(artifact.role) {
                        artifact.path = try copy(artifact.path, from: root, into: folder)
                        runs[index].artifacts.append(artifact)
                    }
                    if let predictions = run.predictions { runs[index].predictions = (runs[index].predictions ?? []) + predictions }
                }
            }
            var combined = Manifest(vizrun: Runner.version, model: first.model, inputs: inputs, runs: runs, config: first.config,
                                    created: ISO8601DateFormatter().string(from: Date()),
                                    seconds: Runner.rounded(parts.compactMap { $0.manifest.seconds }.reduce(0, +)),
                                    preprocessing: first.preprocessing, complete: false, arrays: first.arrays)
            // In place first: the contact sheet reads the overlays from the output folder.
            try folder.checkpoint(combined)
            combined.complete = true
            let merged = try ContactSheet.adding(to: ChannelMeans.adding(to: combined, folder: folder), folder: folder)
            try folder.commit(merged)
            return merged
        } catch {
            folder.discard()
            throw error
        }
    }

    /// The parts must come from one config (same model, preprocessing, runs and arrays), be complete, hold
    /// distinct inputs, and, when sharded, be every shard exactly once.
    private static func check(_ parts: [(root: URL, manifest: Manifest)]) throws {
        let first = parts[0].manifest
        var ids: Set<String> = []
        for (root, manifest) in parts {
            guard manifest.complete != false else {
                throw VizError("this output is incomplete (an interrupted run); rerun its shard first", at: root.path)
            }
            guard manifest.model == first.model, manifest.preprocessing == first.preprocessing, manifest.arrays == first.arrays,
                  manifest.runs.map(\.name) == first.runs.map(\.name),
                  manifest.runs.map(\.visualizer) == first.runs.map(\.visualizer),
                  manifest.runs.map(\.options) == first.runs.map(\.options) else {
                throw VizError("this output comes from another model, preprocessing, runs or `output.arrays` than \(parts[0].root.path)",
                               at: root.path)
            }
            for input in manifest.inputs where !ids.insert(input.id).inserted {
                throw VizError("input '\(input.id)' appears in two of the folders merged", at: root.path)
            }
        }
        let shards = parts.map { $0.manifest.shard }
        if let count = shards.first??.count {
            let indices = shards.compactMap { $0?.count == count ? $0?.index : nil }
            let missing = Set(0..<count).subtracting(indices).sorted()
            guard indices.count == parts.count, missing.isEmpty else {
                throw VizError("merge needs each of the \(count) shards exactly once; "
                               + (missing.isEmpty ? "one is given twice" : "missing shard(s) \(missing.map(String.init).joined(separator: ", "))"),
                               at: parts[0].root.path)
            }
        }
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
