import Foundation
internal import Yams

/// One value of a YAML config, with where it stands: the file, its line and column, and its key
/// path (`runs[1].layers`). Every typed read throws a `VizError` located there.
public struct ConfigNode {
    let node: Node
    /// The config file, for messages.
    public let file: String
    /// `runs[1].layers`; empty for the document itself.
    public let keyPath: String
    /// The config file's lines, to quote the offending one under the error.
    let source: ConfigSource

    init(node: Node, file: String, keyPath: String, source: ConfigSource) {
        self.node = node
        self.file = file
        self.keyPath = keyPath
        self.source = source
    }

    /// Parses YAML text; a syntax error names the line and column.
    public static func parse(yaml text: String, file: String) throws -> ConfigNode {
        let source = ConfigSource(text: text)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw VizError("the config is empty", at: file)
            }
            return ConfigNode(node: node, file: file, keyPath: "", source: source)
        } catch let error as YamlError {
            throw ConfigNode.describe(error, file: file, source: source)
        }
    }

    /// Reads and parses a config file.
    public static func load(file: String) throws -> ConfigNode {
        guard FileManager.default.fileExists(atPath: file) else { throw VizError("no such config file", at: file) }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw VizError("cannot read the config as UTF-8 text", at: file)
        }
        return try parse(yaml: text, file: file)
    }

    // MARK: - Where

    /// 1-based line and column of the value.
    public var line: Int { (node.mark?.line ?? 0) }
    public var column: Int { (node.mark?.column ?? 0) }

    /// An error at this value: `file:line:column: error: message (at key.path)`, then the line and a caret.
    public func error(_ message: String) -> VizError {
        let at = keyPath.isEmpty ? "" : " (at \(keyPath))"
        return VizError(message + at + source.excerpt(line: line, column: column), at: "\(file):\(line):\(column)")
    }

    // MARK: - Typed reads

    public var isNull: Bool {
        if case .scalar(let scalar) = node {
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }

    private var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    private var isQuoted: Bool {
        if case .scalar(let scalar) = node { return scalar.style == .singleQuoted || scalar.style == .doubleQuoted }
        return false
    }

    public func string() throws -> String {
        guard let text = scalarText, !isNull else { throw error("expected a string, found \(kindDescription)") }
        return text
    }

    public func int() throws -> Int {
        guard let text = scalarText, !isQuoted, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a whole number, found \(describeValue)")
        }
        return value
    }

    /// A number, also written as a fraction `"1/255"`.
    public func double() throws -> Double {
        guard let text = scalarText?.trimmingCharacters(in: .whitespaces) else {
            throw error("expected a number, found \(kindDescription)")
        }
        if let value = Double(text), value.isFinite { return value }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2,
            let numerator = Double(parts[0].trimmingCharacters(in: .whitespaces)),
            let denominator = Double(parts[1].trimmingCharacters(in: .whitespaces)), denominator != 0
        {
            return numerator / denominator
        }
        throw error("expected a number (e.g. 0.5 or 1/255), found \(describeValue)")
    }

    public func bool() throws -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found \(describeValue)")
        }
    }

    /// One of `choices`, or an error that lists them and suggests the closest; `what` names the
    /// option in it (default: its key).
    public func choice(among choices: [String], what: String? = nil) throws -> String {
        let value = try string()
        guard choices.contains(value) else {
            throw error(Suggestions.unknown(what ?? key, value, among: choices))
        }
        return value
    }

    /// The last key of the key path: `method` for `runs[0].method`.
    public var key: String {
        let last = keyPath.split(separator: ".").last.map(String.init) ?? keyPath
        return last.split(separator: "[").first.map(String.init) ?? last
    }

    /// The case of `T` whose raw value is written here, or an error that lists them all.
    public func choice<T: CaseIterable & RawRepresentable>(_ type: T.Type = T.self) throws -> T where T.RawValue == String {
        T(rawValue: try choice(among: T.allCases.map(\.rawValue)))!
    }

    public var isSequence: Bool { if case .sequence = node { return true } else { return false } }
    public var isMapping: Bool { if case .mapping = node { return true } else { return false } }
    public var isScalar: Bool { scalarText != nil && !isNull }

    public func sequence() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kindDescription)") }
        return sequence.enumerated().map { index, item in
            ConfigNode(node: item, file: file, keyPath: "\(keyPath)[\(index)]", source: source)
        }
    }

    /// A list, or a single value taken as a list of one.
    public func list() throws -> [ConfigNode] {
        isSequence ? try sequence() : [self]
    }

    public func mapping() throws -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys, found \(kindDescription)") }
        var entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)] = []
        for (keyNode, value) in mapping {
            let keyConfig = ConfigNode(node: keyNode, file: file, keyPath: keyPath, source: source)
            guard let key = keyNode.string else { throw keyConfig.error("keys must be strings") }
            if entries.contains(where: { $0.key == key }) { throw keyConfig.error("the key '\(key)' appears twice") }
            let path = keyPath.isEmpty ? key : "\(keyPath).\(key)"
            entries.append((key, keyConfig, ConfigNode(node: value, file: file, keyPath: path, source: source)))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// The value as one line of YAML flow style (`{first: 8}`, `[4, 7]`, `viridis`), to show what
    /// a config asked for.
    public var flowText: String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let sequence):
            return "["
                + sequence.map { ConfigNode(node: $0, file: file, keyPath: keyPath, source: source).flowText }
                .joined(separator: ", ") + "]"
        case .mapping(let mapping):
            return "{"
                + mapping.map { key, value in
                    "\(key.string ?? "?"): \(ConfigNode(node: value, file: file, keyPath: keyPath, source: source).flowText)"
                }.joined(separator: ", ") + "}"
        case .alias: return "*alias"
        }
    }

    /// A path written in the config, made absolute against the config file's folder.
    public func path() throws -> String {
        let text = try string()
        if text.hasPrefix("/") { return text }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        return folder.appendingPathComponent(text).standardizedFileURL.path
    }

    private var kindDescription: String {
        switch node {
        case .scalar: return isNull ? "nothing (null)" : "'\(scalarText ?? "")'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    private var describeValue: String { kindDescription }
}

/// The keys of a YAML mapping, read one by one; keys left unread are reported as unknown.
///
/// The typed readers (`value`, `int`, `double`, `choice`, in ConfigMapping+Reading.swift) record a
/// bad value and carry on with the default, so that `finish()` reports every problem of the mapping
/// at once, each at its own line and column.
public final class ConfigMapping {
    public let owner: ConfigNode
    let entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)]
    private var read: Set<String> = []
    /// The earlier runs this run's options refer to (`ConfigMapping.runReference`).
    public internal(set) var references: [RunReference] = []
    /// What this run hands to the runs after it (`ConfigMapping.offer`).
    public private(set) var offers: [RunResultKind] = []
    /// What the typed readers found wrong so far, in reading order.
    public private(set) var problems: [VizError] = []

    init(owner: ConfigNode, entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)]) {
        self.owner = owner
        self.entries = entries
    }

    public var keys: [String] { entries.map(\.key) }

    /// Every key with its value in YAML flow style, except `excluding`.
    public func flowTexts(excluding excluded: [String] = []) -> [String: String] {
        Dictionary(
            entries.filter { !excluded.contains($0.key) }.map { ($0.key, $0.value.flowText) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The value of `key`, or nil when it is absent or null.
    public func optional(_ key: String) -> ConfigNode? {
        read.insert(key)
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    public func required(_ key: String) throws -> ConfigNode {
        guard let value = optional(key) else {
            throw owner.error("missing the key '\(key)'")
        }
        return value
    }

    /// Declares a result this run hands to later runs that refer to it.
    public func offer(_ kind: RunResultKind) { offers.append(kind) }

    /// Marks keys as handled elsewhere (so `rejectUnknownKeys` does not report them).
    public func ignore(_ keys: String...) { read.formUnion(keys) }

    /// Records `error` (each error of a `VizErrors`) as a problem of this mapping; any other error
    /// as a problem at `node`.
    public func record(_ error: Error, at node: ConfigNode) {
        problems += VizErrors.unpack(error) ?? [node.error("\(error)")]
    }

    /// Throws every problem recorded, then every key nothing has read (each suggesting the closest
    /// known key), at once; nothing when all is well.
    public func finish(known extra: [String] = []) throws {
        try VizErrors.throwIfAny(problems + unknownKeys(known: extra))
    }

    /// Hands this mapping's problems and unknown keys to `parent`, to be thrown with its own: for a
    /// nested mapping that stays usable with its defaults.
    public func finish(into parent: ConfigMapping) {
        parent.problems += problems + unknownKeys(known: [])
        problems = []
    }

    /// An error at each key nothing has read, suggesting the closest known key.
    private func unknownKeys(known extra: [String]) -> [VizError] {
        let known = Array(read) + extra
        return entries.filter { !known.contains($0.key) }.map { entry in
            let hint =
                Suggestions.closest(to: entry.key, among: known).map { "; did you mean '\($0)'?" }
                ?? "; known keys: \(known.sorted().joined(separator: ", "))"
            return entry.keyNode.error("unknown key '\(entry.key)'\(hint)")
        }
    }
}

/// The text of a config, to quote a line under an error as Yams does.
struct ConfigSource {
    let lines: [Substring]

    init(text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

    /// "\n<line>\n    ^" for 1-based `line` and `column`, or empty when out of range.
    func excerpt(line: Int, column: Int) -> String {
        guard line >= 1, line <= lines.count else { return "" }
        let text = lines[line - 1].replacingOccurrences(of: "\t", with: " ")
        return "\n" + text + "\n" + String(repeating: " ", count: max(column - 1, 0)) + "^"
    }
}

extension ConfigNode {
    static func describe(_ error: YamlError, file: String, source: ConfigSource) -> VizError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return VizError(
                "invalid YAML: \(what)" + source.excerpt(line: mark.line, column: mark.column),
                at: "\(file):\(mark.line):\(mark.column)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let mark = context.mark
            return VizError(
                "the key \(keys) appears more than once in a mapping" + source.excerpt(line: mark.line, column: mark.column),
                at: "\(file):\(mark.line):\(mark.column)")
        default:
            return VizError("invalid YAML: \(error)", at: file)
        }
    }
}
