import VizCore

/// An `ArtifactSink` that keeps everything in memory, for testing a visualizer without files.
public final class CollectingSink: ArtifactSink {
    public private(set) var arrays: [(Artifact, Tensor)] = []
    public private(set) var images: [(Artifact, Bitmap)] = []
    public private(set) var animations: [(Artifact, [Bitmap])] = []
    public private(set) var predictions: [String: [Prediction]] = [:]
    public var wantsArrays: Bool

    public init(wantsArrays: Bool = true) { self.wantsArrays = wantsArrays }

    public func add(_ artifact: Artifact, array: Tensor) throws { arrays.append((artifact, array)) }
    public func add(_ artifact: Artifact, image: Bitmap) throws { images.append((artifact, image)) }
    public func add(_ artifact: Artifact, animation frames: [Bitmap], frameDelay: Int) throws {
        animations.append((artifact, frames))
    }
    public func add(predictions top: [Prediction], for input: String) throws { predictions[input] = top }

    /// The first array with this role, input and class.
    public func array(role: String, input: String, classIndex: Int) -> Tensor? {
        arrays.first { $0.0.role == role && $0.0.input == input && $0.0.classIndex == classIndex }?.1
    }
}

/// A run's options as a config would give them: `runOptions("{layer: conv2d, filters: 4}")`.
public func runOptions(_ yaml: String) throws -> ConfigMapping {
    try ConfigNode.parse(yaml: yaml, file: "test.yaml").mapping()
}
