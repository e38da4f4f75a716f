import Foundation
import VizCore

/// What the end of a run or a merge writes from the records besides the journal — the aggregates,
/// `report.html` and `manifest.json` — fed each entry once, in output order, while the run goes:
/// the end joins scratch files instead of reading the journal back.
///
/// The aggregates take each entry at once, since later runs read them. The report's and the
/// manifest's scratch files take it each on a queue of its own, so that writing them overlaps the
/// next batch's work and each other instead of adding to the run's time; nothing reads those files
/// before the end.
final class OutputSummary {
    let aggregates: Aggregates
    private let report: HTMLReportSections
    private let manifest: ManifestWriter
    /// The runs as the header names them, for the report's sections; times and counts come at the end.
    private let draft: HTMLReport
    private let reportWriting = DispatchQueue(label: "vizrun.report-scratch")
    private let manifestWriting = DispatchQueue(label: "vizrun.manifest-scratch")
    /// The first error the queue met; it stops the queue's work and is thrown by the next call.
    private let scratchError = FirstError()

    init(header: Manifest, registry: Registry, folder: OutputFolder) throws {
        aggregates = Aggregates(runs: header.runs, registry: registry, folder: folder)
        report = try HTMLReportSections(runCount: header.runs.count, scratch: folder.staging)
        manifest = try ManifestWriter(runCount: header.runs.count, scratch: folder.staging)
        draft = HTMLReport(header: header, aggregates: aggregates)
    }

    /// The entry and its journal line's text, in output order; `place` says where its artifacts go
    /// in each run's list (entries of no input a run writes come before every input's).
    func add(_ entry: Journal.Entry, line: Data, place: ManifestWriter.Place = .inOrder) throws {
        try take(entry)
        try aggregate(entry)
        try list(entry, line: line, place: place)
    }

    /// `add` in three steps, so that each takes an entry as soon as it can while a checkpoint goes
    /// on: the report while its files are placed, the aggregates (which may read the files) once
    /// they are, the manifest (which copies the line) once it is listed. Entries go through each
    /// step in output order.
    func take(_ entry: Journal.Entry) throws {
        if let error = scratchError.value { throw error }
        let (report, draft, scratchError) = (report, draft, scratchError)
        reportWriting.async {
            guard scratchError.value == nil else { return }
            do { try report.add(entry, of: draft) } catch { scratchError.record(error) }
        }
    }

    func aggregate(_ entry: Journal.Entry) throws {
        try aggregates.add(entry)
    }

    func list(_ entry: Journal.Entry, line: Data, place: ManifestWriter.Place = .inOrder) throws {
        if let error = scratchError.value { throw error }
        let (manifest, scratchError) = (manifest, scratchError)
        manifestWriting.async {
            guard scratchError.value == nil else { return }
            do { try manifest.add(line, of: entry, place: place) } catch { scratchError.record(error) }
        }
    }

    /// Waits for the scratch files to hold every entry added.
    private func finishScratchWriting() throws {
        reportWriting.sync {}
        manifestWriting.sync {}
        if let error = scratchError.value { throw error }
    }

    /// Has every aggregate write its files (staged); returns the entry listing them, if any, for
    /// `add` once it is journaled.
    func writeAggregates() throws -> Journal.Entry? {
        // The scratch files need nothing an aggregate's writing changes (the report reads the
        // tables it draws only at the end), so they are written meanwhile.
        try aggregates.write()
    }

    func writeReport(header: Manifest, to output: TextOutput) throws {
        try finishScratchWriting()
        try report.write(HTMLReport(header: header, aggregates: aggregates), to: output)
    }

    func writeManifest(header: Manifest, to output: TextOutput) throws {
        try finishScratchWriting()
        try manifest.write(header: header, to: output)
    }
}
