import Foundation
internal import Yams

extension ConfigNode {
    /// The value as JSON-like Swift values, the way `JSONSerialization` gives them: Int, Double,
    /// Bool, String, NSNull, [Any] and [String: Any], scalars typed by YAML's core schema
    /// (`3` → Int, `1.0e-5` → Double, `true` → Bool, `'3'` → String). For options passed on whole,
    /// such as a layer's Keras options in an architecture file.
    public func plainValue() throws -> Any {
        switch node {
        case .scalar:
            return isNull ? NSNull() : Constructor.default.any(from: node)
        case .sequence:
            return try sequence().map { try $0.plainValue() }
        case .mapping:
            let mapping = try mapping()
            var values: [String: Any] = [:]
            for key in mapping.keys {
                values[key] = try mapping.optional(key)?.plainValue() ?? NSNull()
            }
            return values
        case .alias:
            throw error("YAML aliases are not supported here; write the value out")
        }
    }
}
