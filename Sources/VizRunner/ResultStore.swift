import Foundation
import VizCore

/// Every input's results, whether computed now or reused from the output folder's previous run,
/// kept in the output's journal (`OutputJournal`), which it owns. Memory holds where each input's
/// line lies and the batches in flight: the one being computed, and the one before, which
/// `finishBatch` puts in place and lists in the background meanwhile.
///
/// Entries reach the summary (aggregates, report, manifest) in input order: an input's goes in
/// once every input before it is in the journal or in its own batch, straight from memory when it
/// is in the batch or has just been reused, read back once otherwise (an input reused after one
/// still to compute). So the aggregates are folded once, as one run over every input would fold
/// them, and a later run gets the aggregate as it stands instead of a fold over the whole journal.
///
/// What the background does (placing files, the journal, the summary, `locations`,
/// `unattachedLocations`, `summarized` and `listing`) is read on the caller's thread only after
/// `OutputFolder.settle`; the aggregates, after `settle(upTo:)` the work that feeds them.
final class ResultStore {
    private let sources: [InputPreparation.Source]
    private let runs: [RunConfig.RunSpec]
    private let readsInputs: [Bool]
    /// Per run: whether it writes raw arrays (`output.arrays`).
    private let writesArrays: [Bool]
    private let indexByID: [String: Int]
    private let journal: OutputJournal
    /// Per source: where its entry lies in the journal, once all its results are in.
    private var locations: [Range<Int>?]
    /// Where the entries of artifacts that belong to no input (filter patterns) lie.
    private var unattachedLocations: [Range<Int>] = []
    /// The batch in flight, by source index, and its artifacts of no input.
    private var batch: [Int: Journal.Entry] = [:]
    private var batchUnattached: Journal.Entry
    /// The batch's maps for later runs (`RunResultKind.maps`), by source index and run; never journaled.
    private var batchMaps: [Int: [Int: [ProducedMap]]] = [:]
    /// How many sources, from the first, the summary holds.
    private var summarized = 0
    /// Inputs the summary took, by source index, with their lines if they were listed already.
    private typealias Taken = (index: Int, entry: Journal.Entry, line: Journal.Line?)
    /// The inputs the summary took with the batch in the background, in place and not yet listed.
    private var listing: [Taken] = []
    /// The work that puts the last batch handed over in place and has the aggregates take it.
    private var lastPlaced: DispatchWorkItem?
    private(set) var reusedCount = 0

    init(sources: [InputPreparation.Source], runs: [ActiveRun], journal: OutputJournal) {
        self.sources = sources
        self.runs = runs.map(\.spec)
        self.journal = journal
        readsInputs = runs.map { type(of: $0.visualizer).readsInputs }
        writesArrays = runs.map(\.sink.wantsArrays)
        indexByID = Dictionary(sources.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        locations = Array(repeating: nil, count: sources.count)
        batchUnattached = Journal.Entry(input: nil, runCount: runs.count)
    }

    /// The sources still to compute, in order.
    var pendingSources: [InputPreparation.Source] {
        sources.indices.filter { locations[$0] == nil }.map { sources[$0] }
    }

    /// An input of the batch in flight.
    func add(_ input: Manifest.InputRecord) {
        if let index = indexByID[input.id] { batch[index] = Journal.Entry(input: input, runCount: runs.count) }
    }

    /// A batch's results of run `run`, sorted to their inputs (artifacts of no input kept apart).
    func add(_ drained: RunSink.Drained, run: Int) {
        for map in drained.maps {
            guard let input = map.artifact.input, let index = indexByID[input], batch[index] != nil else { continue }
            batchMaps[index, default: [:]][run, default: []].append(map)
        }
        for artifact in drained.artifacts {
            if let input = artifact.input, let index = indexByID[input], batch[index] != nil {
                batch[index]!.runs[run].artifacts.append(artifact)
            } else {
                batchUnattached.runs[run].artifacts.append(artifact)
            }
        }
        for record in drained.predictions {
            guard let index = indexByID[record.input], batch[index] != nil else { continue }
            batch[index]!.runs[run].predictions = (batch[index]!.runs[run].predictions ?? []) + [record]
        }
    }

    /// Hands the batch over: in the background, its files are put in place, then it is listed in
    /// the journal, and the summary takes it meanwhile, while the next batch is computed. Waits for
    /// the batch before to be listed first (so at most one is in flight), and throws what went
    /// wrong there.
    func finishBatch() throws {
        try journal.folder.settle()
        let unattached = batchUnattached.runs.allSatisfy(\.isEmpty) ? [] : [batchUnattached]
        let indices = batch.keys.sorted()
        let inputs = indices.map { batch[$0]! }
        let files = journal.folder.takeStagedFiles()
        (batch, batchUnattached, batchMaps) = ([:], Journal.Entry(input: nil, runCount: runs.count), [:])
        lastPlaced = journal.folder.inBackground { [self] in
            // The report takes the entries while their files are placed; the aggregates, which
            // may read the files, once they are.
            for entry in unattached { try journal.summary.take(entry) }
            let taken = try summarizeNext(known: Dictionary(uniqueKeysWithValues: zip(indices, inputs)))
            try journal.place(files)
            for entry in unattached + taken.map(\.entry) { try journal.summary.aggregate(entry) }
            listing = taken
        }
        journal.folder.inBackground { [self] in
            let lines = try journal.list(unattached + inputs)
            for (entry, line) in zip(unattached, lines) {
                unattachedLocations.append(line.range)
                try journal.summary.list(entry, line: line.text, place: .beforeInputs)
            }
            let inputLines = Dictionary(uniqueKeysWithValues: zip(indices, lines.dropFirst(unattached.count)))
            for (index, line) in inputLines { locations[index] = line.range }
            for (index, entry, line) in listing { try journal.summary.list(entry, line: (line ?? inputLines[index]!).text) }
            listing = []
        }
    }

    /// Has the summary take every input next in input order that is listed in the journal or
    /// about to be (`known`, each entry by source index): those listed are read back if not known,
    /// and come with their lines.
    private func summarizeNext(known: [Int: Journal.Entry]) throws -> [Taken] {
        var taken: [Taken] = []
        while summarized < sources.count {
            if let entry = known[summarized] {
                taken.append((summarized, entry, nil))
            } else if let range = locations[summarized] {
                let line = try journal.line(at: range)
                taken.append((summarized, try JSONDecoder().decode(Journal.Entry.self, from: line.text), line))
            } else {
                break
            }
            try journal.summary.take(taken.last!.entry)
            summarized += 1
        }
        return taken
    }

    /// The journal rewritten in output order (entries of no input, then every input's), with the
    /// aggregates, the report and the manifest. The aggregates write their files while the last
    /// batch is listed.
    func close(header: Manifest) throws -> WrittenOutput {
        // The runs after the inputs make a batch of their own.
        if !batch.isEmpty || !batchUnattached.runs.allSatisfy(\.isEmpty) { try finishBatch() }
        if let lastPlaced { try journal.folder.settle(upTo: lastPlaced) }
        let aggregates = try journal.summary.writeAggregates()
        try journal.folder.settle()
        return try journal.close(
            header: header, order: unattachedLocations + locations.compactMap { $0 }, aggregates: aggregates)
    }

    /// The results of the runs `spec`'s options refer to, by run name: predictions over the batch
    /// in flight (the inputs a run that reads inputs sees); an aggregate's results (channel means)
    /// over the inputs the summary holds — every input after the last batch, and before it the
    /// inputs up to the first one not yet in the journal.
    func earlierResults(for spec: RunConfig.RunSpec) throws -> [String: RunResults] {
        var found: [String: RunResults] = [:]
        for reference in spec.options.references {
            guard let run = runs.firstIndex(where: { $0.name == reference.run }) else { continue }
            let name = runs[run].name
            let results: RunResults
            switch reference.needs {
            case .predictions:
                let listed = batch.values.compactMap { entry in
                    entry.runs[run].predictions?.last.map { (entry.input!.id, $0.top) }
                }
                results = RunResults(run: name, predictions: Dictionary(listed, uniquingKeysWith: { _, last in last }))
            case .maps:
                let made = batchMaps.compactMap { index, byRun in byRun[run].map { (sources[index].id, $0) } }
                results = RunResults(run: name, maps: Dictionary(made, uniquingKeysWith: { first, _ in first }))
            case .channelMeans, .named:
                // The aggregates take the batches listed in the background.
                try journal.folder.settle()
                guard let aggregated = journal.summary.aggregates.results(ofRun: run) else { continue }
                results = aggregated
            }
            found[name] = found[name].map { $0.merging(results) } ?? results
        }
        return found
    }

    // MARK: - Resuming

    /// Takes over from the previous run every input whose results are complete there: the same
    /// input file under the same id, every input-reading run present with the same visualizer and
    /// options and holding results for it, its arrays written if this run wants them, and every
    /// file it lists present. Arrays this run does not want are left out, so the journal lists
    /// what was asked and the first checkpoint removes their files.
    func reuse(_ previous: OutputFolder.Previous, isPresent: (String) -> Bool) throws {
        let previousRuns = runs.indices.map { run in
            // Older outputs do not say whether they hold arrays: a run that wants them recomputes.
            writesArrays[run] && previous.header.arrays != true
                ? nil
                : previous.header.runs.firstIndex {
                    $0.name == runs[run].name && $0.visualizer == runs[run].visualizer && $0.options == runs[run].recordedOptions
                }
        }
        try previous.entries { entry in
            guard let input = entry.input, let index = indexByID[input.id], sources[index].path == input.path,
                locations[index] == nil
            else { return }
            var reused = Journal.Entry(input: input, runCount: runs.count)
            for run in runs.indices where readsInputs[run] {
                guard let before = previousRuns[run], before < entry.runs.count else { return }
                var results = entry.runs[before]
                results.artifacts.removeAll { !writesArrays[run] && $0.kind == "array" }
                guard !results.isEmpty else { return }
                reused.runs[run] = results
            }
            guard reused.paths.allSatisfy(isPresent) else { return }
            let line = try journal.appendKept(reused)
            locations[index] = line.range
            reusedCount += 1
            for (_, entry, listed) in try summarizeNext(known: [index: reused]) {
                try journal.summary.aggregate(entry)
                try journal.summary.list(entry, line: (listed ?? line).text)
            }
        }
    }
}
