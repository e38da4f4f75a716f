/// Options declared one per line: each reader takes the key, the default and what a valid value
/// is, and records a bad value as a problem (reported with every other by `finish()`) instead of
/// stopping at it.
///
/// ```swift
/// imagesPerRow = mapping.int("images_per_row", default: 16, atLeast: 1)
/// alpha = mapping.double("alpha", default: 0.4, atLeast: 0)
/// method = mapping.choice("method", default: CAMMethod.gradcam)
/// colormap = mapping.value("colormap", default: viridis) { try Colormap.read($0) }
/// try mapping.finish()
/// ```
extension ConfigNode {
    /// A whole number of at least `minimum`; the message names the key.
    public func int(atLeast minimum: Int) throws -> Int {
        let number = try int()
        guard number >= minimum else { throw error(Self.below(minimum, key: key)) }
        return number
    }

    /// A number of at least `minimum`; the message names the key.
    public func double(atLeast minimum: Double) throws -> Double {
        let number = try double()
        guard number >= minimum else { throw error(Self.below(minimum, key: key)) }
        return number
    }

    private static func below<Number: Numeric & CustomStringConvertible>(_ minimum: Number, key: String) -> String {
        minimum == 0 ? "\(key) cannot be negative" : "\(key) must be at least \(minimum)"
    }
}

extension ConfigMapping {
    /// `read` applied to the value of `key` when present; `fallback` when absent, or when `read`
    /// fails (the failure is recorded).
    public func value<T>(_ key: String, default fallback: T, _ read: (ConfigNode) throws -> T) -> T {
        guard let node = optional(key) else { return fallback }
        do { return try read(node) } catch {
            record(error, at: node)
            return fallback
        }
    }

    /// `read` applied to the value of `key`; nil when absent or when `read` fails (recorded).
    public func value<T>(_ key: String, _ read: (ConfigNode) throws -> T) -> T? {
        value(key, default: nil) { try read($0) as T? }
    }

    /// `read` applied to the value of `key`; nil, with a problem recorded, when the key is missing
    /// or `read` fails.
    public func required<T>(_ key: String, _ read: (ConfigNode) throws -> T) -> T? {
        guard optional(key) != nil else {
            record(owner.error("missing the key '\(key)'"), at: owner)
            return nil
        }
        return value(key, read)
    }

    /// A whole number of at least `minimum`: `"images_per_row must be at least 1"`, `"margin cannot be negative"`.
    public func int(_ key: String, default fallback: Int, atLeast minimum: Int) -> Int {
        value(key, default: fallback) { try $0.int(atLeast: minimum) }
    }

    /// A number of at least `minimum`.
    public func double(_ key: String, default fallback: Double, atLeast minimum: Double) -> Double {
        value(key, default: fallback) { try $0.double(atLeast: minimum) }
    }

    /// One of `T`'s cases by its raw value, with a did-you-mean for anything else.
    public func choice<T: CaseIterable & RawRepresentable>(_ key: String, default fallback: T) -> T where T.RawValue == String {
        value(key, default: fallback) { try $0.choice() }
    }
}
