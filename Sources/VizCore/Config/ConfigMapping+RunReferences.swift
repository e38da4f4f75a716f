extension ConfigMapping {
    /// Reads `{from: RUN, …}` at `node`, an option of this run: `details` reads the reference's
    /// other keys and says what it needs of the run. The reference is recorded for the runner, which
    /// checks before any heavy work that RUN comes earlier and offers what is needed.
    public func runReference(_ node: ConfigNode, needs details: (ConfigMapping) throws -> RunResultKind) throws -> RunReference {
        let mapping = try node.mapping()
        let from = mapping.optional("from")
        let needs = try details(mapping)
        try mapping.finish()
        guard let from else { throw node.error("missing the key 'from' (the name of an earlier run)") }
        let reference = RunReference(run: try from.string(), needs: needs, node: from)
        references.append(reference)
        return reference
    }
}
