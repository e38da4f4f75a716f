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
