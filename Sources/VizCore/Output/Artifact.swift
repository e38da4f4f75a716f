/// A result a visualizer hands to the sink: what it is, and where under the run's folder it goes.
public struct Artifact: Sendable {
    /// What the data means: `activation`, `grid`, `channel`, `pattern`, `heatmap`, `overlay`, …
    public var role: String
    /// The input's id, when the artifact belongs to one input.
    public var input: String?
    public var layer: String?
    public var channel: Int?
    public var filter: Int?
    public var classIndex: Int?
    /// The layer's output summarised, on the artifacts that show a layer's output (activations).
    public var stats: LayerStats?
    /// Numbers a method reports about this artifact (Integrated Gradients' completeness).
    public var measures: ArtifactMeasures?
    /// Path components under the run's folder, without extension; each is made safe by the sink
    /// (model-derived names may hold `/`, `:` or `..`).
    public var name: [String]

    public init(
        role: String, name: [String], input: String? = nil, layer: String? = nil, channel: Int? = nil,
        filter: Int? = nil, classIndex: Int? = nil, stats: LayerStats? = nil, measures: ArtifactMeasures? = nil
    ) {
        self.role = role
        self.name = name
        self.input = input
        self.layer = layer
        self.channel = channel
        self.filter = filter
        self.classIndex = classIndex
        self.stats = stats
        self.measures = measures
    }
}

/// Where visualizers put their results. The command's sink writes `.npy`/`.png` files and the
/// manifest; tests can collect artifacts in memory.
public protocol ArtifactSink: AnyObject {
    /// Raw numbers, written as float32 `.npy` with the batch axis dropped.
    func add(_ artifact: Artifact, array: Tensor) throws
    /// A picture, written as `.png`.
    func add(_ artifact: Artifact, image: Bitmap) throws
    /// Equally sized frames, written as a looping `.gif`, `frameDelay` hundredths of a second each.
    func add(_ artifact: Artifact, animation frames: [Bitmap], frameDelay: Int) throws
    /// The model's top predictions for an input, listed with the run in the manifest.
    func add(predictions: [Prediction], for input: String) throws
    /// Whether raw arrays are wanted (`output.arrays`); visualizers may skip computing them if not.
    var wantsArrays: Bool { get }
}
