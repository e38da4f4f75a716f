/// What the output lists for one artifact written: its file, what it shows, and whose it is. The
/// manifest's `runs[].artifacts` hold these; a run's aggregate reads them for every input.
public struct ArtifactRecord: Codable, Equatable, Sendable {
    /// `array` (.npy), `image` (.png) or `animation` (.gif).
    public var kind: String
    public var role: String
    public var input: String?
    public var layer: String?
    public var channel: Int?
    public var filter: Int?
    public var classIndex: Int?
    /// Arrays only: the shape without the batch axis.
    public var shape: [Int]?
    /// Relative to the output folder.
    public var path: String
    /// The layer's output summarised (activations: `activation` and `grid` artifacts).
    public var stats: LayerStats?
    /// A method's numbers about the artifact (`Artifact.measures`).
    public var measures: ArtifactMeasures?

    public init(
        kind: String, role: String, input: String?, layer: String?, channel: Int?, filter: Int?,
        classIndex: Int?, shape: [Int]?, path: String, stats: LayerStats? = nil, measures: ArtifactMeasures? = nil
    ) {
        self.kind = kind
        self.role = role
        self.input = input
        self.layer = layer
        self.channel = channel
        self.filter = filter
        self.classIndex = classIndex
        self.shape = shape
        self.path = path
        self.stats = stats
        self.measures = measures
    }

    enum CodingKeys: String, CodingKey {
        case kind, role, input, layer, channel, filter, shape, path, stats, measures
        case classIndex = "class"
    }
}

/// Numbers a method reports about one artifact, for scripts that read the manifest: each is absent
/// unless the method computes it.
public struct ArtifactMeasures: Codable, Equatable, Sendable {
    /// Integrated Gradients: `Σ attributions − (score(x) − score(baseline))`, what the integral missed.
    public var completenessError: Double?
    /// Integrated Gradients: `score(x) − score(baseline)`, what the attributions should add up to.
    public var scoreDifference: Double?
    /// A map's deletion AUC: the area under the score as its most important pixels are removed,
    /// lower for a map that finds what the score needs (`metrics: [deletion]`).
    public var deletionAUC: Double?
    /// A map's insertion AUC: the area under the score as its most important pixels are put back
    /// into the baseline, higher for a better map (`metrics: [insertion]`).
    public var insertionAUC: Double?
    /// ROAD (pytorch-grad-cam's `ROADCombined`): half the score change with the least relevant
    /// pixels imputed minus that with the most relevant imputed, higher for a better map.
    public var road: Double?

    public init(
        completenessError: Double? = nil, scoreDifference: Double? = nil, deletionAUC: Double? = nil,
        insertionAUC: Double? = nil, road: Double? = nil
    ) {
        self.completenessError = completenessError
        self.scoreDifference = scoreDifference
        self.deletionAUC = deletionAUC
        self.insertionAUC = insertionAUC
        self.road = road
    }

    /// Whether any faithfulness metric is recorded.
    public var hasFaithfulness: Bool { deletionAUC != nil || insertionAUC != nil || road != nil }

    /// `other`'s numbers where it has them, these where it does not.
    public func merging(_ other: ArtifactMeasures?) -> ArtifactMeasures {
        guard let other else { return self }
        return ArtifactMeasures(
            completenessError: other.completenessError ?? completenessError,
            scoreDifference: other.scoreDifference ?? scoreDifference, deletionAUC: other.deletionAUC ?? deletionAUC,
            insertionAUC: other.insertionAUC ?? insertionAUC, road: other.road ?? road)
    }

    enum CodingKeys: String, CodingKey {
        case completenessError = "completeness_error"
        case scoreDifference = "score_difference"
        case deletionAUC = "deletion_auc"
        case insertionAUC = "insertion_auc"
        case road
    }
}
