/// "Did you mean …?" for misspelled names.
public enum Suggestions {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
    public static func closest(to name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        return distance < name.count && distance <= max(2, name.count / 3) ? candidate : nil
    }

    /// `"; did you mean 'x'?"` for the closest candidate, or `""` when none is close: the end of a message.
    public static func didYouMean(_ name: String, among candidates: [String]) -> String {
        closest(to: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// `unknown method 'hirescan' (known: gradcam, …); did you mean 'hirescam'?`, the list left out
    /// when it is longer than a dozen names.
    public static func unknown(_ what: String, _ name: String, among known: [String]) -> String {
        let list = known.count <= 12 ? " (known: \(known.joined(separator: ", ")))" : ""
        return "unknown \(what) '\(name)'\(list)" + didYouMean(name, among: known)
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
