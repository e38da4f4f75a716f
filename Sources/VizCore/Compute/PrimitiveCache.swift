import Foundation

/// oneDNN primitives built once per geometry and thread count (oneDNN splits the work for the
/// threads it sees at creation); a layer keeps those of a few input shapes.
final class PrimitiveCache<Geometry: Hashable, Primitives: AnyObject> {
    private struct Key: Hashable {
        var geometry: Geometry
        var threads: Int
    }

    private let lock = NSLock()
    /// nil values record geometries oneDNN cannot express, so they are not tried again.
    private var cache: [Key: Primitives?] = [:]
    private let limit = 8

    /// The primitives for `geometry`, made by `make` on first use; nil when `make` found none.
    func primitives(for geometry: Geometry, make: (Geometry) -> Primitives?) -> Primitives? {
        let key = Key(geometry: geometry, threads: Parallelism.threads)
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[key] { return cached }
        let made = make(geometry)
        if cache.count >= limit { cache.removeAll() }
        cache[key] = made
        return made
    }
}
