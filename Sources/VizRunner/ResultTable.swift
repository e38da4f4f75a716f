import VizCore

/// Every input's results in input order, whether computed now or reused from the output folder's
/// previous manifest; the manifest is built from it after every batch, listing complete inputs only.
struct ResultTable {
    private let sources: [InputPreparation.Source]
    private let runs: [RunConfig.RunSpec]
    private let readsInputs: [Bool]
    /// Per run: whether it writes raw arrays (`output.arrays`).
    private let writesArrays: [Bool]
    private let indexByID: [String: Int]
    /// Per source: the input's record, once all its results are in.
    private var inputs: [Manifest.InputRecord?]
    /// Per run, per source: the input's artifacts and predictions in that run.
    private var artifacts: [[[Manifest.ArtifactRecord]]]
    private var predictions: [[[Manifest.PredictionRecord]]]
    /// Per run: artifacts that belong to no input (filter patterns).
    private var unattached: [[Manifest.ArtifactRecord]]
    private(set) var reusedCount = 0

    init(sources: [InputPreparation.Source], runs: [ActiveRun]) {
        self.sources = sources
        self.runs = runs.map(\.spec)
        readsInputs = runs.map { type(of: $0.visualizer).readsInputs }
        writesArrays = runs.map(\.sink.wantsArrays)
        indexByID = Dictionary(sources.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        inputs = Array(repeating: nil, count: sources.count)
        artifacts = Array(repeating: Array(repeating: [], count: sources.count), count: runs.count)
        predictions = Array(repeating: Array(repeating: [], count: sources.count), count: runs.count)
        unattached = Array(repeating: [], count: runs.count)
    }

    /// The sources still to compute, in order.
    var pendingSources: [InputPreparation.Source] {
        sources.indices.filter { inputs[$0] == nil }.map { sources[$0] }
    }

    var inputRecords: [Manifest.InputRecord] { inputs.compactMap { $0 } }

    mutating func add(_ input: Manifest.InputRecord) {
        if let index = indexByID[input.id] { inputs[index] = input }
    }

    /// A batch's results of run `run`, sorted to their inputs (artifacts of no input kept apart).
    mutating func add(_ drained: (artifacts: [Manifest.ArtifactRecord], predictions: [Manifest.PredictionRecord]), run: Int) {
        for artifact in drained.artifacts {
            if let input = artifact.input, let index = indexByID[input] {
                artifacts[run][index].append(artifact)
            } else {
                unattached[run].append(artifact)
            }
        }
        for record in drained.predictions {
            if let index = indexByID[record.input] { predictions[run][index].append(record) }
        }
    }

    /// The results of the runs `spec`'s options refer to, over every input so far (the batch in
    /// flight included), by run name.
    func earlierResults(for spec: RunConfig.RunSpec) -> [String: RunResults] {
        var found: [String: RunResults] = [:]
        for reference in spec.options.references {
            guard let run = runs.firstIndex(where: { $0.name == reference.run }) else { continue }
            let name = runs[run].name
            switch reference.needs {
            case .predictions:
                let listed = sources.indices.compactMap { index in
                    predictions[run][index].last.map { (sources[index].id, $0.top) }
                }
                found[name] = RunResults(run: name, predictions: Dictionary(listed, uniquingKeysWith: { _, last in last }),
                                         channelMeans: found[name]?.channelMeans ?? [:])
            case .channelMeans:
                let means = ChannelMeans.of(sources.indices.flatMap { artifacts[run][$0] })
                    .map { ($0.layer, $0.means) }
                found[name] = RunResults(run: name, predictions: found[name]?.predictions ?? [:],
                                         channelMeans: Dictionary(means, uniquingKeysWith: { first, _ in first }))
            }
        }
        return found
    }

    /// The run's record over the inputs complete so far.
    func runRecord(_ run: Int, of active: ActiveRun) -> Manifest.RunRecord {
        let complete = sources.indices.filter { inputs[$0] != nil }
        let listed = complete.flatMap { predictions[run][$0] }
        return Manifest.RunRecord(name: active.spec.name, visualizer: active.spec.visualizer,
                                  seconds: Runner.rounded(active.seconds),
                                  computeSeconds: Runner.rounded(active.computeSeconds),
                                  artifacts: unattached[run] + complete.flatMap { artifacts[run][$0] },
                                  predictions: listed.isEmpty ? nil : listed, options: active.spec.recordedOptions)
    }

    // MARK: - Resuming

    /// Takes over from `previous` every input whose results are complete there: the same input
    /// file under the same id, every input-reading run present with the same visualizer and
    /// options and holding results for it, its arrays written if this run wants them, and every
    /// file it lists present. Arrays this run does not want are left out, so the manifest lists
    /// what was asked and the final commit removes their files. Returns the paths kept.
    mutating func reuse(_ previous: Manifest, isPresent: (String) -> Bool) -> [String] {
        let previousInputs = Dictionary(previous.inputs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let previousRuns = runs.indices.map { run in
            // Older manifests do not say whether they hold arrays: a run that wants them recomputes.
            writesArrays[run] && previous.arrays != true ? nil : previous.runs.first {
                $0.name == runs[run].name && $0.visualizer == runs[run].visualizer && $0.options == runs[run].recordedOptions
            }
        }
        var kept: [String] = []
        for (index, source) in sources.enumerated() {
            guard let input = previousInputs[source.id], input.path == source.path else { continue }
            var found: [(run: Int, artifacts: [Manifest.ArtifactRecord], predictions: [Manifest.PredictionRecord])] = []
            for run in runs.indices where readsInputs[run] {
                guard let record = previousRuns[run] else { break }
                let ownArtifacts = record.artifacts.filter { $0.input == source.id && (writesArrays[run] || $0.kind != "array") }
                let ownPredictions = (record.predictions ?? []).filter { $0.input == source.id }
                guard !ownArtifacts.isEmpty || !ownPredictions.isEmpty else { break }
                found.append((run, ownArtifacts, ownPredictions))
            }
            let paths = found.flatMap { $0.artifacts.map(\.path) } + (input.image.map { [$0] } ?? [])
            guard found.count == readsInputs.filter({ $0 }).count, paths.allSatisfy(isPresent) else { continue }
            inputs[index] = input
            for (run, ownArtifacts, ownPredictions) in found {
                artifacts[run][index] = ownArtifacts
                predictions[run][index] = ownPredictions
            }
            kept += paths
            reusedCount += 1
        }
        return kept
    }
}
