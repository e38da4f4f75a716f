import Foundation
import Hummingbird

/// A request's query parameters, decoded as a browser's form encodes them (`+` is a space, then
/// percent escapes), read with one-line refusals naming the parameter.
struct Query {
    private let pairs: [(name: String, value: String)]

    init(_ request: Request) {
        pairs = (request.uri.query ?? "").split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decoded(parts[0]), parts.count > 1 ? decoded(parts[1]) : "")
        }
    }

    func optional(_ name: String) -> String? { all(name).first }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name && !$0.value.isEmpty }.map(\.value) }

    func string(_ name: String) throws -> String {
        guard let value = optional(name) else { throw ServeError.badRequest("missing parameter '\(name)'") }
        return value
    }

    func int(_ name: String) throws -> Int {
        try int(name, from: string(name))
    }

    func optionalInt(_ name: String) throws -> Int? {
        try optional(name).map { try int(name, from: $0) }
    }

    private func int(_ name: String, from text: String) throws -> Int {
        guard let value = Int(text) else {
            throw ServeError.badRequest("parameter '\(name)' must be a whole number, got '\(text)'")
        }
        return value
    }
}
