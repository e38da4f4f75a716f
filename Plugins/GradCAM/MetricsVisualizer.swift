import VizCore
import VizImage

/// The faithfulness of the maps an earlier `gradcam` or `saliency` run made (`maps: {from: RUN}`):
/// deletion, insertion and ROAD, as that run's own `metrics:` option computes them, so that maps
/// from several runs (and methods) can be scored alike after the fact.
public final class MetricsVisualizer: Visualizer {
    public static let name = "metrics"
    public static let summary = "faithfulness of an earlier run's maps: deletion and insertion AUC, ROAD"
    public static let roles = [scoredMap, Faithfulness.curveRole]
    /// The map scored, at the input's size, carrying its scores.
    static let scoredMap = ArtifactRole("scored_map", title: "scored map", prominence: .leading)

    private static let colormap = Colormap.named("viridis")!

    private var options: MetricsOptions?
    /// ROAD's noise (`Faithfulness.noiseSource`); nil draws it.
    var roadNoiseSource: ((_ index: Int, _ count: Int) -> [Float])?

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try MetricsOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        guard let options, let reference = options.maps else {
            throw VizError("a metrics run needs `maps: {from: RUN}`", at: context.runName)
        }
        var faithfulness = Faithfulness(model: context.model, target: options.target, options: options.faithfulness)
        faithfulness.noiseSource = roadNoiseSource
        let results = try context.results(of: reference)
        let bar = context.progressBar(context.runName, total: context.inputs.count, unit: "inputs")
        for input in context.inputs {
            let (height, width) = (input.tensor.shape[1], input.tensor.shape[2])
            for made in try results.maps(of: input.id) {
                guard let classIndex = made.artifact.classIndex, made.values.rank == 2 else {
                    throw VizError(
                        "run '\(reference.run)' made a map of no class or of shape \(made.values.shape), which the metrics "
                            + "cannot score", at: ([reference.run] + made.artifact.name).joined(separator: "/"))
                }
                // As the run's own `metrics:` score it: a heatmap at the input's size, as the overlay shows it.
                let map =
                    made.values.shape == [height, width] ? made.values : made.values.resizedBilinear(height: height, width: width)
                let scores = try faithfulness.scores(of: map, input: input.tensor, classIndex: classIndex)
                let mapName = "\(reference.run)_\(made.artifact.name.last ?? made.artifact.role)"
                let folder = [input.id, "class_\(classIndex)"]
                let scored = Artifact(
                    role: Self.scoredMap.name, name: folder + [mapName], input: input.id, layer: made.artifact.layer,
                    classIndex: classIndex, measures: scores.measures)
                try context.sink.add(scored, array: map.reshaped([1] + map.shape))
                // A picture too, so that the scores are listed with `output.arrays: false` as well.
                let largest = map.maxAbs
                let unit =
                    largest > 0 && largest.isFinite
                    ? map.scalars.map { abs($0) / largest } : [Float](repeating: 0, count: map.count)
                try context.sink.add(scored, image: Self.colormap.apply(toUnitMap: Tensor(shape: map.shape, scalars: unit)))
                try Faithfulness.emitCurves(
                    scores, folder: folder, map: mapName, input: input.id, layer: made.artifact.layer, classIndex: classIndex,
                    sink: context.sink)
            }
            bar.advance(by: 1)
        }
    }
}
