/// `manifest.json`: what a run produced, for scripts and tests. Fields are only ever added.
public struct Manifest: Codable, Equatable, Sendable {
    public var vizrun: String
    public var model: ModelRecord
    public var inputs: [InputRecord]
    public var runs: [RunRecord]

    public init(vizrun: String, model: ModelRecord, inputs: [InputRecord], runs: [RunRecord]) {
        self.vizrun = vizrun
        self.model = model
        self.inputs = inputs
        self.runs = runs
    }

    public struct ModelRecord: Codable, Equatable, Sendable {
        public var path: String
        public var loader: String
        public var layers: Int
        /// Without the batch axis; null where the model accepts any size.
        public var inputShape: [Int?]

        public init(path: String, loader: String, layers: Int, inputShape: [Int?]) {
            self.path = path
            self.loader = loader
            self.layers = layers
            self.inputShape = inputShape
        }

        enum CodingKeys: String, CodingKey {
            case path, loader, layers
            case inputShape = "input_shape"
        }
    }

    public struct InputRecord: Codable, Equatable, Sendable {
        public var id: String
        public var path: String
        public var shape: [Int]

        public init(id: String, path: String, shape: [Int]) {
            self.id = id
            self.path = path
            self.shape = shape
        }
    }

    public struct RunRecord: Codable, Equatable, Sendable {
        public var name: String
        public var visualizer: String
        public var seconds: Double
        /// The part of `seconds` spent in the network's forward and backward passes (the rest goes to
        /// preparing, rendering and writing).
        public var computeSeconds: Double?
        public var artifacts: [ArtifactRecord]
        /// Each input's top predictions, for runs that compute them (Grad-CAM).
        public var predictions: [PredictionRecord]?

        public init(name: String, visualizer: String, seconds: Double, computeSeconds: Double? = nil,
                    artifacts: [ArtifactRecord], predictions: [PredictionRecord]? = nil) {
            self.name = name
            self.visualizer = visualizer
            self.seconds = seconds
            self.computeSeconds = computeSeconds
            self.artifacts = artifacts
            self.predictions = predictions
        }

        enum CodingKeys: String, CodingKey {
            case name, visualizer, seconds, artifacts, predictions
            case computeSeconds = "compute_seconds"
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

    public struct ArtifactRecord: Codable, Equatable, Sendable {
        /// `array` (.npy), `image` (.png) or `animation` (.gif).
        public var kind: String
        public var role: String
        public var input: String?
        public var layer: String?
        public var channel: Int?
        public var filter: Int?
        public var classIndex: Int?
        /// Arrays only: the shape without the batch axis.
        public var shape: [Int]?
        /// Relative to the output folder.
        public var path: String

        public init(kind: String, role: String, input: String?, layer: String?, channel: Int?, filter: Int?,
                    classIndex: Int?, shape: [Int]?, path: String) {
            self.kind = kind
            self.role = role
            self.input = input
            self.layer = layer
            self.channel = channel
            self.filter = filter
            self.classIndex = classIndex
            self.shape = shape
            self.path = path
        }

        enum CodingKeys: String, CodingKey {
            case kind, role, input, layer, channel, filter, shape, path
            case classIndex = "class"
        }
    }
}
