/// Names from models and configs made into harmless path components: layer names may hold `/`,
/// `:` or `..`, and none of them may lead a path out of the output folder.
public enum SafeName {
    private static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+=@,")

    /// Every other character becomes `_`; a leading dot too, so no component is `.`, `..` or hidden.
    public static func component(_ name: String) -> String {
        var safe = String(name.map { allowed.contains($0) ? $0 : "_" })
        if safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
        return safe.isEmpty ? "_" : safe
    }
}
