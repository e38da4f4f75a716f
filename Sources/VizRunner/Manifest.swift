import VizCore

/// `manifest.json`: what a run produced, for scripts and tests. Fields are only ever added.
public struct Manifest: Codable, Equatable, Sendable {
    public var vizrun: String
    public var model: ModelRecord
    public var inputs: [InputRecord]
    public var runs: [RunRecord]
    /// The config file the run carried out.
    public var config: String?
    /// When the run finished, ISO 8601 in UTC.
    public var created: String?
    /// Wall-clock time of the whole run, model loading included (merged: the shards' sum).
    public var seconds: Double?
    /// The config's `input` keys but `images` and `batch_size`, in YAML flow style.
    public var preprocessing: [String: String]?
    /// Which part of the inputs this output holds (`--shard`); nil for all of them.
    public var shard: Shard?
    /// False while a run is under way: the inputs listed so far are complete, the report is not written yet.
    public var complete: Bool?
    /// Whether the run wrote raw arrays (`output.arrays`): a rerun that wants them recomputes inputs without.
    public var arrays: Bool?

    public init(
        vizrun: String, model: ModelRecord, inputs: [InputRecord], runs: [RunRecord], config: String? = nil,
        created: String? = nil, seconds: Double? = nil, preprocessing: [String: String]? = nil,
        shard: Shard? = nil, complete: Bool? = nil, arrays: Bool? = nil
    ) {
        self.vizrun = vizrun
        self.model = model
        self.inputs = inputs
        self.runs = runs
        self.config = config
        self.created = created
        self.seconds = seconds
        self.preprocessing = preprocessing
        self.shard = shard
        self.complete = complete
        self.arrays = arrays
    }

    /// Shard `index` (from 0) of `count`: a contiguous slice of the inputs in their sorted order.
    public struct Shard: Codable, Equatable, Sendable {
        public var index: Int
        public var count: Int

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }

        /// `"i/n"`, as `--shard` takes it.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0,
                (0..<count).contains(index)
            else { return nil }
            self.init(index: index, count: count)
        }

        /// This shard's part of `0..<total`: shard i holds `i·total/n ..< (i+1)·total/n`.
        public func range(of total: Int) -> Range<Int> {
            (index * total / count)..<((index + 1) * total / count)
        }
    }

    public struct ModelRecord: Codable, Equatable, Sendable {
        public var path: String
        public var loader: String
        public var layers: Int
        /// Without the batch axis; null where the model accepts any size.
        public var inputShape: [Int?]
        /// Trainable and non-trainable weights, counted once per layer.
        public var parameters: Int?

        public init(path: String, loader: String, layers: Int, inputShape: [Int?], parameters: Int? = nil) {
            self.path = path
            self.loader = loader
            self.layers = layers
            self.inputShape = inputShape
            self.parameters = parameters
        }

        enum CodingKeys: String, CodingKey {
            case path, loader, layers, parameters
            case inputShape = "input_shape"
        }
    }

    public struct InputRecord: Codable, Equatable, Sendable {
        public var id: String
        public var path: String
        public var shape: [Int]
        /// The input as the network sees it (resized, colour mode applied, before scaling), a PNG
        /// relative to the output folder.
        public var image: String?

        public init(id: String, path: String, shape: [Int], image: String? = nil) {
            self.id = id
            self.path = path
            self.shape = shape
            self.image = image
        }
    }

    public struct RunRecord: Codable, Equatable, Sendable {
        public var name: String
        public var visualizer: String
        public var seconds: Double
        /// The part of `seconds` spent in the network's forward and backward passes (the rest goes to
        /// preparing, rendering and writing).
        public var computeSeconds: Double?
        /// After `seconds`: the time its pictures took to encode (PNG, on every core) and be written.
        public var writeSeconds: Double?
        public var artifacts: [ArtifactRecord]
        /// Each input's top predictions, for runs that compute them (Grad-CAM).
        public var predictions: [PredictionRecord]?
        /// The run's options as the config wrote them: key → value in YAML flow style.
        public var options: [String: String]?

        public init(
            name: String, visualizer: String, seconds: Double, computeSeconds: Double? = nil, writeSeconds: Double? = nil,
            artifacts: [ArtifactRecord], predictions: [PredictionRecord]? = nil,
            options: [String: String]? = nil
        ) {
            self.name = name
            self.visualizer = visualizer
            self.seconds = seconds
            self.computeSeconds = computeSeconds
            self.writeSeconds = writeSeconds
            self.artifacts = artifacts
            self.predictions = predictions
            self.options = options
        }

        enum CodingKeys: String, CodingKey {
            case name, visualizer, seconds, artifacts, predictions, options
            case computeSeconds = "compute_seconds"
            case writeSeconds = "write_seconds"
        }
    }

    public struct PredictionRecord: Codable, Equatable, Sendable {
        public var input: String
        public var top: [Prediction]

        public init(input: String, top: [Prediction]) {
            self.input = input
            self.top = top
        }
    }
}
