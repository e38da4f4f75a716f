import VizCore

/// What one visualizer run handed over, kept in memory by role: the server serves its pictures
/// and arrays instead of writing files.
final class ResultSink: ArtifactSink {
    private(set) var arrays: [(Artifact, Tensor)] = []
    private(set) var images: [(Artifact, Bitmap)] = []
    private(set) var predictions: [Prediction] = []
    let wantsArrays = true

    func add(_ artifact: Artifact, array: Tensor) throws { arrays.append((artifact, array)) }
    func add(_ artifact: Artifact, image: Bitmap) throws { images.append((artifact, image)) }
    // The page shows still pictures; an optimisation's animation is not asked for.
    func add(_ artifact: Artifact, animation frames: [Bitmap], frameDelay: Int) throws {}
    func add(predictions top: [Prediction], for input: String) throws { predictions = top }

    func array(role: String) -> (Artifact, Tensor)? { arrays.first { $0.0.role == role } }
    func image(role: String, channel: Int? = nil) -> Bitmap? {
        images.first { $0.0.role == role && $0.0.channel == channel }?.1
    }
}

/// A bounded cache that forgets the least recently used entry first.
struct RecentCache<Key: Hashable, Value> {
    let capacity: Int
    private var entries: [Key: Value] = [:]
    private var order: [Key] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func value(_ key: Key) -> Value? {
        guard let value = entries[key] else { return nil }
        touch(key)
        return value
    }

    mutating func store(_ value: Value, for key: Key) {
        entries[key] = value
        touch(key)
        while order.count > capacity { entries[order.removeFirst()] = nil }
    }

    var count: Int { entries.count }

    private mutating func touch(_ key: Key) {
        order.removeAll { $0 == key }
        order.append(key)
    }
}
