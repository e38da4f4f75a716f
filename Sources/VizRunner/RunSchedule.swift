import Foundation
import VizCore

/// When a run of the config executes, relative to the inputs streaming through in batches.
enum RunTiming: Equatable {
    /// Once, before the first batch: a run that ignores the inputs (filter patterns).
    case beforeInputs
    /// On every batch of inputs, in config order.
    case perBatch
    /// Once, after the last batch: a run that ignores the inputs but uses another run's results
    /// over every input.
    case afterInputs
    /// Not in this shard: a run that ignores the inputs runs on shard 0 only.
    case otherShard

    /// The timing of `visualizer`'s run `spec` in `shard` (nil: all the inputs).
    init(_ spec: RunConfig.RunSpec, _ visualizer: Visualizer, shard: Manifest.Shard?) throws {
        if type(of: visualizer).readsInputs {
            self = .perBatch
        } else if let reference = spec.options.references.first {
            // A run after the inputs uses every input's results; each shard would see others.
            guard shard == nil else {
                throw reference.node.error(
                    "run '\(spec.name)' needs the results of run '\(reference.run)' over every "
                        + "input, which a shard does not have; run this config without --shard")
            }
            self = .afterInputs
        } else {
            self = (shard?.index ?? 0) == 0 ? .beforeInputs : .otherShard
        }
    }
}

/// One run of the config while inputs stream through it: when it executes, the sink that collects
/// each batch's artifacts, and its time, which adds up over the batches.
final class ActiveRun {
    let spec: RunConfig.RunSpec
    let visualizer: Visualizer
    let timing: RunTiming
    let sink: RunSink
    private(set) var seconds = 0.0
    /// The part of `seconds` spent in the network's passes.
    private(set) var computeSeconds = 0.0
    /// After each batch's `seconds`: the sink encoding and writing the pictures still waiting.
    private(set) var writeSeconds = 0.0

    init(spec: RunConfig.RunSpec, visualizer: Visualizer, timing: RunTiming, sink: RunSink) {
        self.spec = spec
        self.visualizer = visualizer
        self.timing = timing
        self.sink = sink
    }

    /// Runs over `inputs` (none for a run that ignores them); returns what it wrote and predicted.
    /// The time counted stops before the sink encodes the images still waiting, as it always has,
    /// so that `seconds` compares across versions.
    func execute(
        model: Model, inputs: [RunInput], showsProgress: Bool, log: @escaping (String) -> Void,
        earlierResults: [String: RunResults], inputMapping: InputMapping? = nil
    ) throws -> RunSink.Drained {
        let stopwatch = Stopwatch()
        let passSecondsBefore = model.graph.passSeconds
        try visualizer.run(
            RunContext(
                model: model, inputs: inputs, runName: spec.name, sink: sink,
                showsProgress: showsProgress, log: log, earlierResults: earlierResults, inputMapping: inputMapping))
        seconds += stopwatch.seconds
        computeSeconds += model.graph.passSeconds - passSecondsBefore
        let writing = Stopwatch()
        defer { writeSeconds += writing.seconds }
        return try sink.drain()
    }

    /// The run as the manifest's header records it.
    var record: Manifest.RunRecord {
        Manifest.RunRecord(
            name: spec.name, visualizer: spec.visualizer, seconds: Runner.rounded(seconds),
            computeSeconds: Runner.rounded(computeSeconds), writeSeconds: Runner.rounded(writeSeconds), artifacts: [],
            options: spec.recordedOptions)
    }
}

extension RunConfig.RunSpec {
    /// The options the manifest records, and a rerun compares before reusing results.
    var recordedOptions: [String: String] { options.flowTexts(excluding: ["visualizer", "name"]) }
}
