import Foundation
import VizCore

/// What the output says over every input, fed each entry once, in input order, as the run goes:
/// each run's aggregate (its visualizer's, a built-in's or a plugin's alike), the class labels the
/// predictions name, and how many inputs there are. Later runs read the aggregates so far
/// (`results(ofRun:)`) instead of folding the records again. It also knows each run's roles, for
/// the report. Memory holds what the aggregates keep (sums, a tile per input), never the records.
final class Aggregates {
    /// One run's visualizer as the registry knows it; a visualizer that is not registered (a plugin
    /// not loaded) has no roles and no aggregate, and its artifacts are shown by their role names.
    private struct Run {
        let name: String
        let roles: [ArtifactRole]
        let aggregate: RunAggregate?
        let output: AggregateFiles
    }

    private let runs: [Run]
    /// The output folder the records' paths are relative to (none for a report of a manifest in memory).
    private let root: URL
    /// Each class's first label in any input's predictions.
    private(set) var labels: [Int: String] = [:]
    private(set) var inputCount = 0
    private var artifactCounts: [Int]
    /// Per run: the time its aggregate took to write its files, part of the run's own writing.
    private(set) var writeSeconds: [Double]

    init(runs: [Manifest.RunRecord], registry: Registry, folder: OutputFolder?) {
        self.runs = runs.map { record in
            let visualizer = registry.visualizers.first { $0.name == record.visualizer }?.type
            return Run(
                name: record.name, roles: visualizer?.roles ?? [], aggregate: visualizer?.makeAggregate(),
                output: AggregateFiles(folder: folder, run: record.name))
        }
        artifactCounts = Array(repeating: 0, count: runs.count)
        writeSeconds = Array(repeating: 0, count: runs.count)
        root = folder?.root ?? URL(fileURLWithPath: "/")
    }

    /// Counts the entry's artifacts; an input's results also feed the aggregates.
    func add(_ entry: Journal.Entry) throws {
        for (run, results) in zip(runs.indices, entry.runs) { artifactCounts[run] += results.artifacts.count }
        guard let input = entry.input else { return }
        inputCount += 1
        for (run, results) in zip(runs, entry.runs) {
            try run.aggregate?.add(results.of(input.id, in: root))
            for prediction in (results.predictions ?? []).flatMap(\.top) where labels[prediction.classIndex] == nil {
                labels[prediction.classIndex] = prediction.label
            }
        }
    }

    /// What run `run`'s aggregate hands later runs, over the inputs added so far.
    func results(ofRun run: Int) -> RunResults? {
        runs[run].aggregate?.results(ofRun: runs[run].name)
    }

    func artifactCount(ofRun run: Int) -> Int {
        artifactCounts[run]
    }

    /// How the run's visualizer shows `name`.
    func role(_ name: String, ofRun run: Int) -> ArtifactRole {
        runs[run].roles.first { $0.name == name } ?? .undeclared(name)
    }

    /// Where `role` comes among the run's roles, for ordering pictures of equal prominence.
    func rank(of role: String, inRun run: Int) -> Int {
        runs[run].roles.firstIndex { $0.name == role } ?? runs[run].roles.count
    }

    /// The tables the run's aggregate wrote, drawn for the report.
    func tables(ofRun run: Int) -> [AggregateFiles.DrawnTable] {
        runs[run].output.tables
    }

    /// Has every aggregate write its files; returns the entry listing them, if there are any (which
    /// `add` should count).
    func write() throws -> Journal.Entry? {
        var entry = Journal.Entry(input: nil, runCount: runs.count)
        for (index, run) in runs.enumerated() {
            let stopwatch = Stopwatch()
            try run.aggregate?.write(to: run.output)
            writeSeconds[index] = stopwatch.seconds
            entry.runs[index].artifacts = run.output.records
        }
        return entry.runs.allSatisfy(\.isEmpty) ? nil : entry
    }
}

extension Journal.Results {
    /// These results as an aggregate reads them: one input's artifacts and its first predictions.
    func of(_ input: String, in folder: URL) -> InputResults {
        InputResults(input: input, artifacts: artifacts, predictions: predictions?.first?.top ?? [], folder: folder)
    }
}

/// Where a run's aggregate writes: staged files under `<run>/_aggregate/`, and the report's tables.
final class AggregateFiles: AggregateOutput {
    /// Nil when only the report is wanted (`HTMLReport.html(of:)`): nothing is written.
    private let folder: OutputFolder?
    private let run: String
    private(set) var records: [ArtifactRecord] = []
    /// A table as the report shows it.
    struct DrawnTable {
        let layer: String?
        let html: String
    }
    /// Tables are drawn on a queue of their own as the aggregate adds them: they can hold tens of
    /// thousands of rows, and the aggregate goes on writing its files meanwhile.
    private let drawing = DispatchQueue(label: "vizrun.aggregate-tables")
    private var drawn: [DrawnTable] = []

    init(folder: OutputFolder?, run: String) {
        self.folder = folder
        self.run = run
    }

    func newFile(_ artifact: Artifact, kind: String, ext: String, shape: [Int]?) throws -> URL {
        guard let folder else { throw VizError("an aggregate's files need an output folder", at: run) }
        let path = folder.reservePath([run, "_aggregate"] + artifact.name, ext: ext)
        records.append(
            ArtifactRecord(
                kind: kind, role: artifact.role, input: nil, layer: artifact.layer,
                channel: artifact.channel, filter: artifact.filter, classIndex: artifact.classIndex,
                shape: shape, path: path))
        return folder.stagedFile(path)
    }

    func add(_ table: ReportTable) {
        drawing.async { [self] in drawn.append(DrawnTable(layer: table.layer, html: HTMLReport.table(table))) }
    }

    /// The tables added, in order, once drawn.
    var tables: [DrawnTable] {
        drawing.sync { drawn }
    }
}
