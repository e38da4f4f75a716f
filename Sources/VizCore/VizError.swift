/// An error meant for the person running vizrun: one line that says what went wrong and where.
///
/// `where` is a file path, optionally with `line:column`, a key path, a layer or a tensor name;
/// the command prints `where: error: message`.
public struct VizError: Error, CustomStringConvertible, Equatable, Sendable {
    public var location: String?
    public var message: String

    public init(_ message: String, at location: String? = nil) {
        self.message = message
        self.location = location
    }

    public var description: String {
        guard let location, !location.isEmpty else { return "error: \(message)" }
        return "\(location): error: \(message)"
    }
}

extension VizError {
    /// Text from a file, as a message quotes it: its control characters (a damaged file's newlines)
    /// escaped as Swift writes them, so the message stays one line.
    public static func quoting<Text: StringProtocol>(_ text: Text) -> String {
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
            .joined()
    }
}

/// Several problems found in one pass, each a `VizError` of its own: every mistake in a config at
/// once, as a compiler reports them. The command prints one after the other.
public struct VizErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [VizError]

    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The `VizError`s behind `error` (itself, or each of a `VizErrors`); nil for any other error.
    public static func unpack(_ error: Error) -> [VizError]? {
        switch error {
        case let one as VizError: [one]
        case let many as VizErrors: many.errors
        default: nil
        }
    }

    /// Throws nothing for no errors, the error itself for one, all of them for more.
    public static func throwIfAny(_ errors: [VizError]) throws {
        guard let first = errors.first else { return }
        throw errors.count == 1 ? first : VizErrors(errors: errors) as Error
    }
}
