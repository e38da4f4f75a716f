import Foundation
import VizCore

/// The journal of an output being written (a run's or a merge's). A checkpoint puts the staged
/// files in place, then appends the entries listing them, so the journal never lists a missing
/// file. The first checkpoint also says in `manifest.json` that a run is under way, removes the
/// previous run's files this one does not keep, and puts the journal, staged until then, in place.
/// `close` rewrites the journal with the final header and the entries in output order, followed by
/// the aggregates, then writes the report and, last, the manifest (`OutputSummary`).
final class OutputJournal {
    let folder: OutputFolder
    let summary: OutputSummary
    private let writer: Journal.Writer
    private let underWay: Manifest
    /// The previous run's files this run reuses; the first checkpoint removes the rest.
    private var kept: Set<String> = []
    /// Whether `manifest.json` says a run is under way (the first checkpoint's first half).
    private var saidUnderWay = false
    private lazy var reader = Result { try Journal.open(writer.url) }

    /// Starts the journal in the staging folder; `header` is also what `manifest.json` holds
    /// (listing nothing, `complete: false`) from the first checkpoint until the end.
    init(folder: OutputFolder, header: Manifest, registry: Registry) throws {
        self.folder = folder
        writer = try Journal.Writer(url: folder.staging.appendingPathComponent(".pending" + Journal.fileName), header: header)
        underWay = header
        summary = try OutputSummary(header: header, registry: registry, folder: folder)
    }

    deinit { try? reader.get().close() }

    /// Lists an entry whose files are in place already (reused from the previous run).
    func appendKept(_ entry: Journal.Entry) throws -> Journal.Line {
        let paths = entry.paths
        folder.keep(paths)
        kept.formUnion(paths)
        return try writer.append(entry)
    }

    /// Puts `files` in place, then lists `entries`; returns their lines.
    func checkpoint(_ entries: [Journal.Entry], placing files: OutputFolder.StagedFiles) throws -> [Journal.Line] {
        try place(files)
        return try list(entries)
    }

    /// A checkpoint's first half: puts `files` in place. The first one also says in
    /// `manifest.json` that a run is under way and removes the previous run's files.
    func place(_ files: OutputFolder.StagedFiles) throws {
        if !saidUnderWay {
            var manifest = underWay
            manifest.complete = false
            try folder.replaceAtomically(OutputFolder.manifestName) { file in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try file.write(try encoder.encode(manifest))
            }
            try removePreviousFiles()
            saidUnderWay = true
        }
        try folder.place(files)
    }

    /// A checkpoint's second half: lists `entries`, whose files are in place; returns their
    /// lines. The first one puts the journal, staged until then, in place.
    func list(_ entries: [Journal.Entry]) throws -> [Journal.Line] {
        let lines = try writer.append(entries)
        if !folder.holdsJournal {
            try writer.move(to: folder.root.appendingPathComponent(Journal.fileName))
            folder.holdsJournal = true
        }
        return lines
    }

    /// The previous run's files that this run neither keeps nor overwrites: after the first
    /// checkpoint the journal no longer lists them.
    private func removePreviousFiles() throws {
        try folder.previous?.listedPaths { paths in folder.remove(paths.filter { !kept.contains($0) }) }
        kept = []
    }

    /// The entry whose line lies at `range`, read back.
    func line(at range: Range<Int>) throws -> Journal.Line {
        Journal.Line(range: range, text: try Journal.text(at: range, in: try reader.get(), of: writer.url))
    }

    /// The last checkpoint: what is staged (the files the aggregates wrote, which `aggregates`
    /// lists) is put in place; the journal is rewritten with `header` (each run's `write_seconds`
    /// now counting its aggregate's) and the lines at `order` (every entry, in output order),
    /// copied as they are, then the aggregates' entry, while the report is written; then, last,
    /// the manifest.
    func close(header: Manifest, order: [Range<Int>], aggregates aggregatesEntry: Journal.Entry?) throws -> WrittenOutput {
        try folder.settle()
        _ = try checkpoint([], placing: folder.takeStagedFiles())
        var header = header
        for run in header.runs.indices {
            // A merge records no write times; it has none to add to.
            guard let seconds = header.runs[run].writeSeconds else { continue }
            header.runs[run].writeSeconds = Runner.rounded(seconds + summary.aggregates.writeSeconds[run])
        }
        let final = try Journal.Writer(url: folder.staging.appendingPathComponent(".final" + Journal.fileName), header: header)
        // The aggregates' line is encoded ahead of its turn, so that the summary holds every entry
        // and the report is written while the journal is copied and the manifest written.
        let aggregatesLine = try aggregatesEntry.map { entry in
            let line = try final.encodedLine(entry)
            try summary.add(entry, line: line, place: .afterInputs)
            return line
        }
        folder.inBackground { [folder, summary, header] in
            try folder.replaceAtomically(HTMLReport.fileName) { try summary.writeReport(header: header, to: $0) }
        }
        for range in order { try final.append(line: try line(at: range).text) }
        if let aggregatesLine { try final.append(line: aggregatesLine) }
        try final.move(to: folder.root.appendingPathComponent(Journal.fileName))
        try folder.replaceAtomically(OutputFolder.manifestName, once: folder.settle) {
            try summary.writeManifest(header: header, to: $0)
        }
        folder.finish()
        let aggregates = summary.aggregates
        return WrittenOutput(
            folder: folder.root, inputs: aggregates.inputCount,
            artifacts: header.runs.indices.map(aggregates.artifactCount(ofRun:)).reduce(0, +))
    }
}
