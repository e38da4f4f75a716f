import VizCore

/// The `metrics` run's options (see Docs/config.md): the earlier run whose maps it scores, and how.
struct MetricsOptions {
    /// `maps: {from: RUN}`.
    var maps: RunReference?
    /// The model's prediction for each map's class, read as `score` says.
    var target: ClassScore
    var faithfulness = Faithfulness.Options()

    init(_ mapping: ConfigMapping, model: Model) throws {
        target = try ClassScore(model: model, score: mapping.choice("score", default: ClassScore.Score.probability))
        maps = mapping.required("maps") { node in try mapping.runReference(node) { _ in .maps(roles: []) } }
        if let options = Faithfulness.Options.reading(mapping) {
            faithfulness = options
        } else {
            mapping.record(mapping.owner.error("missing the key 'metrics' (deletion, insertion, road)"), at: mapping.owner)
        }
        try mapping.finish()
    }
}
