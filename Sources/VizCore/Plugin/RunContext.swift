/// One input, prepared for the model.
public struct RunInput: Sendable {
    /// A short name unique within the run (the file name without extension: `cat.1700`).
    public let id: String
    public let path: String
    /// Preprocessed, with a batch axis of 1: (1, H, W, C).
    public let tensor: Tensor
    /// The decoded image at its own size, for overlays; nil when the input was an `.npy` array.
    public let original: Bitmap?

    public init(id: String, path: String, tensor: Tensor, original: Bitmap?) {
        self.id = id
        self.path = path
        self.tensor = tensor
        self.original = original
    }
}

// MARK: - Batches

extension RunInput {
    /// Inputs grouped into batches of equal shapes, in order, each at most `size` long: one pass per
    /// batch is faster than one per image, and the size bounds the activations held at once.
    public static func batches(_ inputs: [RunInput], size: Int) -> [[RunInput]] {
        var batches: [[RunInput]] = []
        for input in inputs {
            if let last = batches.last, last.count < size, last[0].tensor.shape == input.tensor.shape {
                batches[batches.count - 1].append(input)
            } else {
                batches.append([input])
            }
        }
        return batches
    }

    /// The batch's tensors joined along the batch axis.
    public static func tensor(of batch: [RunInput]) -> Tensor {
        batch.count == 1 ? batch[0].tensor : Tensor.concatenatingBatches(batch.map(\.tensor))
    }
}

/// What a visualizer gets for one run.
public final class RunContext {
    public let model: Model
    public let inputs: [RunInput]
    /// The run's name: the first folder of every artifact path it writes.
    public let runName: String
    public let sink: ArtifactSink
    /// Whether to draw progress bars (off with `--quiet`; bars also need stderr to be a terminal).
    public let showsProgress: Bool
    /// Writes a line for the user (stderr in the command).
    public let log: (String) -> Void
    /// The results of the earlier runs this run's options refer to, by run name.
    public let earlierResults: [String: RunResults]
    /// The config's preprocessing as a per-channel mapping of 0…255 levels (nil: unknown, e.g. in tests).
    public let inputMapping: InputMapping?
    /// Told (done, total) at every step of the run's progress bars, drawn or not (`vizrun serve`
    /// shows a filter pattern's steps on the page).
    public let progressObserver: ((Int, Int) -> Void)?

    public init(
        model: Model, inputs: [RunInput], runName: String, sink: ArtifactSink, showsProgress: Bool = false,
        log: @escaping (String) -> Void = { _ in }, earlierResults: [String: RunResults] = [:],
        inputMapping: InputMapping? = nil, progressObserver: ((Int, Int) -> Void)? = nil
    ) {
        self.model = model
        self.inputs = inputs
        self.runName = runName
        self.sink = sink
        self.showsProgress = showsProgress
        self.log = log
        self.earlierResults = earlierResults
        self.inputMapping = inputMapping
        self.progressObserver = progressObserver
    }

    /// The results `reference` refers to.
    public func results(of reference: RunReference) throws -> RunResults {
        guard let results = earlierResults[reference.run] else {
            throw reference.node.error("the results of run '\(reference.run)' were not handed to run '\(runName)'")
        }
        return results
    }

    public func progressBar(_ label: String, total: Int, unit: String = "steps") -> ProgressBar {
        // A bar is drawn only on a terminal, whatever `enabled` says.
        ProgressBar(label, total: total, unit: unit, enabled: showsProgress, observer: progressObserver)
    }
}
