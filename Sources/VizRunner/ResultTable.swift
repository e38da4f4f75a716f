import Foundation
import VizCore

/// Every input's results, whether computed now or reused from the output folder's previous run.
/// Finished batches are in the journal, and memory holds only where each input's line lies; the
/// batch in flight is in memory until `flush` appends it.
struct ResultTable {
    private let sources: [InputPreparation.Source]
    private let runs: [RunConfig.RunSpec]
    private let readsInputs: [Bool]
    /// Per run: a fresh aggregate of its visualizer's, to fold the results so far for a later run.
    private let makeAggregate: [() -> RunAggregate?]
    /// Per run: whether it writes raw arrays (`output.arrays`).
    private let writesArrays: [Bool]
    private let indexByID: [String: Int]
    private let journal: Journal.Writer
    /// Per source: where its entry lies in the journal, once all its results are in.
    private var locations: [Range<Int>?]
    /// Where the entries of artifacts that belong to no input (filter patterns) lie.
    private var unattachedLocations: [Range<Int>] = []
    /// The batch in flight, by source index, and its artifacts of no input.
    private var batch: [Int: Journal.Entry] = [:]
    private var batchUnattached: Journal.Entry
    private(set) var reusedCount = 0

    init(sources: [InputPreparation.Source], runs: [ActiveRun], journal: Journal.Writer) {
        self.sources = sources
        self.runs = runs.map(\.spec)
        self.journal = journal
        readsInputs = runs.map { type(of: $0.visualizer).readsInputs }
        makeAggregate = runs.map { run in { type(of: run.visualizer).makeAggregate() } }
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
    mutating func add(_ input: Manifest.InputRecord) {
        if let index = indexByID[input.id] { batch[index] = Journal.Entry(input: input, runCount: runs.count) }
    }

    /// A batch's results of run `run`, sorted to their inputs (artifacts of no input kept apart).
    mutating func add(_ drained: (artifacts: [ArtifactRecord], predictions: [Manifest.PredictionRecord]), run: Int) {
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

    /// Appends the batch in flight to the journal (its files must be in place) and forgets it.
    mutating func flush() throws {
        if !batchUnattached.runs.allSatisfy(\.isEmpty) {
            unattachedLocations.append(try journal.append(batchUnattached))
            batchUnattached = Journal.Entry(input: nil, runCount: runs.count)
        }
        for index in batch.keys.sorted() { locations[index] = try journal.append(batch[index]!) }
        batch = [:]
    }

    /// Every entry in the journal: those of no input, then every input's in input order.
    func forEachEntry(_ body: (Journal.Entry) throws -> Void) throws {
        let handle = try Journal.open(journal.url)
        defer { try? handle.close() }
        for range in unattachedLocations + locations.compactMap({ $0 }) {
            try body(try Journal.entry(at: range, in: handle, of: journal.url))
        }
    }

    /// The results of the runs `spec`'s options refer to, by run name: predictions over the batch
    /// in flight (the inputs a run that reads inputs sees), channel means over every input so far.
    func earlierResults(for spec: RunConfig.RunSpec) throws -> [String: RunResults] {
        var found: [String: RunResults] = [:]
        for reference in spec.options.references {
            guard let run = runs.firstIndex(where: { $0.name == reference.run }) else { continue }
            let name = runs[run].name
            switch reference.needs {
            case .predictions:
                let listed = batch.values.compactMap { entry in
                    entry.runs[run].predictions?.last.map { (entry.input!.id, $0.top) }
                }
                found[name] = RunResults(run: name, predictions: Dictionary(listed, uniquingKeysWith: { _, last in last }),
                                         channelMeans: found[name]?.channelMeans ?? [:])
            case .channelMeans:
                guard let aggregate = makeAggregate[run]() else { continue }
                try forEachEntry { if let input = $0.input { aggregate.add($0.runs[run].of(input.id)) } }
                for index in batch.keys.sorted() { aggregate.add(batch[index]!.runs[run].of(batch[index]!.input!.id)) }
                found[name] = RunResults(run: name, predictions: found[name]?.predictions ?? [:],
                                         channelMeans: aggregate.results(ofRun: name).channelMeans)
            }
        }
        return found
    }

    // MARK: - Resuming

    /// Takes over from the previous run every input whose results are complete there: the same
    /// input file under the same id, every input-reading run present with the same visualizer and
    /// options and holding results for it, its arrays written if this run wants them, and every
    /// file it lists present. Arrays this run does not want are left out, so the journal lists
    /// what was asked and the first checkpoint removes their files. Returns the paths kept.
    mutating func reuse(_ previous: OutputFolder.Previous, isPresent: (String) -> Bool) throws -> [String] {
        let previousRuns = runs.indices.map { run in
            // Older outputs do not say whether they hold arrays: a run that wants them recomputes.
            writesArrays[run] && previous.header.arrays != true ? nil : previous.header.runs.firstIndex {
                $0.name == runs[run].name && $0.visualizer == runs[run].visualizer && $0.options == runs[run].recordedOptions
            }
        }
        var kept: [String] = []
        try previous.entries { entry in
            guard let input = entry.input, let index = indexByID[input.id], sources[index].path == input.path,
                  locations[index] == nil else { return }
            var reused = Journal.Entry(input: input, runCount: runs.count)
            for run in runs.indices where readsInputs[run] {
                guard let before = previousRuns[run], before < entry.runs.count else { return }
                var results = entry.runs[before]
                results.artifacts.removeAll { !writesArrays[run] && $0.kind == "array" }
                guard !results.isEmpty else { return }
                reused.runs[run] = results
            }
            let paths = reused.paths
            guard paths.allSatisfy(isPresent) else { return }
            locations[index] = try journal.append(reused)
            kept += paths
            reusedCount += 1
        }
        return kept
    }
}
