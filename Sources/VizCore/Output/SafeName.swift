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

    /// `base`, or `base_2`, `base_3`, … — the first not in `taken`, which it joins.
    public static func unique(_ base: String, suffix: String = "", taken: inout Set<String>) -> String {
        let candidate = unique(base, suffix: suffix, isTaken: taken.contains)
        taken.insert(candidate)
        return candidate
    }

    /// `base`, or `base_2`, `base_3`, … — the first for which `isTaken` is false.
    public static func unique(_ base: String, suffix: String = "", isTaken: (String) -> Bool) -> String {
        var candidate = base + suffix
        var counter = 2
        while isTaken(candidate) {
            candidate = "\(base)_\(counter)\(suffix)"
            counter += 1
        }
        return candidate
    }
}
