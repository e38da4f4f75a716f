/// One kind of artifact a visualizer writes, as the report shows it. A visualizer declares its
/// roles (`Visualizer.roles`); the host reads them from the registry, the same for a built-in and a
/// plugin. A role nobody declared is shown as a small picture captioned with its name.
public struct ArtifactRole: Sendable, Equatable {
    /// Where a picture of this role stands among the pictures of its layer.
    public enum Prominence: Int, Sendable, Comparable {
        /// First and across the page's width: a grid, a contact sheet.
        case wide
        /// Large, after the wide ones, in the order the visualizer declares its roles: overlays, heatmaps.
        case leading
        /// In a gallery of small pictures, folded away when there are many: single channels, patterns.
        case small

        public static func < (lhs: Prominence, rhs: Prominence) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The manifest's `role`.
    public let name: String
    /// How captions name one artifact of it: `activation grid`, `heatmap overlay`.
    public let title: String
    public let prominence: Prominence
    /// Whether its artifacts sum up every input of the run (an aggregate's files): `vizrun merge`
    /// drops them from the shards and has the run's aggregate write them anew over all the inputs.
    public let summarizesInputs: Bool

    public init(_ name: String, title: String, prominence: Prominence = .small, summarizesInputs: Bool = false) {
        self.name = name
        self.title = title
        self.prominence = prominence
        self.summarizesInputs = summarizesInputs
    }

    /// What the report makes of a role its visualizer did not declare.
    public static func undeclared(_ name: String) -> ArtifactRole {
        ArtifactRole(name, title: name)
    }
}
