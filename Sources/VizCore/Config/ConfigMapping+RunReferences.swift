extension ConfigNode {
    /// Whether the value refers to an earlier run's results: a mapping with a `from:` key.
    public var isRunReference: Bool {
        (try? mapping().keys.contains("from")) ?? false
    }
}

extension ConfigMapping {
    /// Reads `{from: RUN, …}` at `node`, an option of this run: `details` reads the reference's
    /// other keys and says what it needs of the run. The reference is recorded for the runner, which
    /// checks before any heavy work that RUN comes earlier and offers what is needed.
    public func runReference(_ node: ConfigNode, needs details: (ConfigMapping) throws -> RunResultKind) throws -> RunReference {
        let mapping = try node.mapping()
        let from = try mapping.required("from")
        let reference = RunReference(run: try from.string(), needs: try details(mapping), node: from)
        try mapping.rejectUnknownKeys()
        references.append(reference)
        return reference
    }
}
