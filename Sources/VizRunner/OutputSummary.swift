import Foundation
import VizCore

/// What the end of a run or a merge writes from the records besides the journal — the aggregates,
/// `report.html` and `manifest.json` — fed each entry once, in output order, while the run goes:
/// the end joins scratch files instead of reading the journal back.
final class OutputSummary {
    let aggregates: Aggregates
    private let report: HTMLReportSections
    private let manifest: ManifestWriter
    /// The runs as the header names them, for the report's sections; times and counts come at the end.
    private let draft: HTMLReport

    init(header: Manifest, registry: Registry, folder: OutputFolder) throws {
        aggregates = Aggregates(runs: header.runs, registry: registry, folder: folder)
        report = try HTMLReportSections(runCount: header.runs.count, scratch: folder.staging)
        manifest = try ManifestWriter(runCount: header.runs.count, scratch: folder.staging)
        draft = HTMLReport(header: header, aggregates: aggregates)
    }

    /// The entry as the journal holds it, in output order; `place` says where its artifacts go
    /// in each run's list (entries of no input a run writes come before every input's).
    func add(_ entry: Journal.Entry, line: Journal.Line, place: ManifestWriter.Place = .inOrder) throws {
        aggregates.add(entry)
        try report.add(entry, of: draft)
        try manifest.add(line.text, of: entry, place: place)
    }

    /// Has every aggregate write its files (staged); returns the entry listing them, if any, for
    /// `addAggregates` once it is journaled.
    func writeAggregates() throws -> Journal.Entry? {
        try aggregates.write()
    }

    func addAggregates(_ entry: Journal.Entry, line: Journal.Line) throws {
        try add(entry, line: line, place: .afterInputs)
    }

    func writeReport(header: Manifest, to output: TextOutput) throws {
        try report.write(HTMLReport(header: header, aggregates: aggregates), to: output)
    }

    func writeManifest(header: Manifest, to output: TextOutput) throws {
        try manifest.write(header: header, to: output)
    }
}
