import VizCore
import VizImage

/// Which input pixels move the class score: vanilla gradients (Simonyan et al., 2014), SmoothGrad
/// (Smilkov et al., 2017), guided backpropagation (Springenberg et al., 2015), Integrated Gradients
/// (Sundararajan et al., 2017), occlusion (Zeiler & Fergus, 2014) and RISE (Petsiuk et al., 2018).
/// Gradient attributions (H, W, C) become one value per pixel by `channels` (`max_abs`: the largest
/// |value| over channels, the default but for Integrated Gradients, which sums).
public final class SaliencyVisualizer: Visualizer {
    public static let name = "saliency"
    public static let summary =
        "input-resolution attribution maps: vanilla gradients, SmoothGrad, guided backprop, Integrated Gradients, occlusion, RISE"
    public static let roles = [saliency, Faithfulness.curveRole]
    static let saliency = ArtifactRole("saliency", title: "saliency map", prominence: .leading)

    private var options: SaliencyOptions?
    /// The noise SmoothGrad adds for sample `sample` of `input` (σ given), shaped like the input's
    /// tensor (1, H, W, C); nil draws σ · N(0, 1) from `SeededGenerator(seed:)`. Tests inject fixed noise.
    var noiseSource: ((_ input: RunInput, _ sample: Int, _ sigma: Float) -> Tensor)?
    /// RISE's mask `index` for an input of the given size; nil draws them (`RISE.drawMask`).
    var maskSource: ((_ index: Int, _ height: Int, _ width: Int) -> [Float])?
    /// ROAD's noise (`Faithfulness.noiseSource`); nil draws it.
    var roadNoiseSource: ((_ index: Int, _ count: Int) -> [Float])?

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try SaliencyOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        let options = try self.options ?? SaliencyOptions(model: context.model)
        let model = context.model
        let inputNode = model.graph.inputNodes[0]
        let method = options.method
        let bar = context.progressBar(context.runName, total: context.inputs.count * passes(options), unit: "passes")
        let faithfulness = options.metrics.map {
            var metrics = Faithfulness(model: model, target: options.target, options: $0)
            metrics.noiseSource = roadNoiseSource
            return metrics
        }
        for group in RunInput.batches(context.inputs, size: options.batch) {
            let batch = RunInput.tensor(of: group)
            let gradientsOfClean = method == .vanilla || method == .guidedBackprop
            // A batch's inputs have one size: the first stands for them if the target does not fit it.
            var clean = try group[0].locatingErrors {
                try ScoreGradients(model: model, target: options.target, batch: batch, keeping: gradientsOfClean ? nil : [])
            }
            for (item, input) in group.enumerated() {
                try context.sink.add(predictions: clean.predictions(options.top, item: item), for: input.id)
            }
            // The classes to explain come from the clean input, also for the perturbed copies.
            let classLists = try clean.classLists(options.target.choices, inputs: group, earlier: context.earlierResults)
            var maps = [[Tensor]](repeating: [], count: group.count)
            var measures = [[ArtifactMeasures?]](repeating: [], count: group.count)
            switch method {
            case .vanilla, .guidedBackprop:
                let rule: Trace.BackwardRule = method == .guidedBackprop ? .guided : .gradient
                try clean.forEachGradient(ScoreGradients.byRank(classLists), wrt: [inputNode], rule: rule) { _, gradients in
                    let reduced = Self.reduced(gradients[inputNode]!, options.channels)
                    for item in group.indices where maps[item].count < classLists[item].count { maps[item].append(reduced[item]) }
                }
                bar.advance(by: group.count)
            case .smoothgrad:
                // One forward pass per noisy copy serves every class.
                let ranks = ScoreGradients.byRank(classLists)
                let noises = noise(for: group, options: options)
                var sums = [Tensor](repeating: Tensor(zeros: batch.shape), count: ranks.count)
                for sample in 0..<options.samples {
                    var pass = try ScoreGradients(
                        model: model, target: options.target,
                        batch: Self.addingNoise(noises.map { $0[sample] }, to: batch))
                    try pass.forEachGradient(ranks, wrt: [inputNode]) { rank, gradients in
                        let gradient = gradients[inputNode]!
                        for i in sums[rank].scalars.indices { sums[rank].scalars[i] += abs(gradient.scalars[i]) }
                    }
                    bar.advance(by: group.count)
                }
                let count = Float(options.samples)
                for sum in sums {
                    let reduced = Self.reduced(
                        Tensor(shape: sum.shape, scalars: sum.scalars.map { $0 / count }), options.channels)
                    for item in group.indices where maps[item].count < classLists[item].count { maps[item].append(reduced[item]) }
                }
            case .integratedGradients, .occlusion, .rise:
                for (item, input) in group.enumerated() {
                    (maps[item], measures[item]) = try perturbationMaps(
                        input,
                        scores: classLists[item].map { clean.scores(classes: Array(repeating: $0, count: group.count))[item] },
                        classes: classLists[item], options: options, model: model, mapping: context.inputMapping,
                        progress: { bar.advance(by: $0) })
                }
            }
            for (item, input) in group.enumerated() {
                for (index, (classIndex, map)) in zip(classLists[item], maps[item]).enumerated() {
                    let scores = try faithfulness?.scores(of: map, input: input.tensor, classIndex: classIndex)
                    let ownMeasures = measures[item].indices.contains(index) ? measures[item][index] : nil
                    try Self.emit(
                        map, name: "saliency", classIndex: classIndex, input: input, colormap: options.colormap,
                        measures: scores.map { ownMeasures?.merging($0.measures) ?? $0.measures } ?? ownMeasures,
                        sink: context.sink)
                    if let scores {
                        try Faithfulness.emitCurves(
                            scores, folder: [input.id, "class_\(classIndex)"], map: "saliency", input: input.id, layer: nil,
                            classIndex: classIndex, sink: context.sink)
                    }
                }
            }
        }
    }

    /// Network passes per input, for the progress bar.
    private func passes(_ options: SaliencyOptions) -> Int {
        switch options.method {
        case .vanilla, .guidedBackprop: return 1
        case .smoothgrad: return options.samples
        case .integratedGradients: return options.steps
        case .occlusion: return 1
        case .rise: return options.masks
        }
    }

    /// Integrated Gradients', occlusion's and RISE's maps of one input, one per class, with the
    /// measures of each (Integrated Gradients' completeness); `mapping` is the run's preprocessing.
    private func perturbationMaps(
        _ input: RunInput, scores: [Float], classes: [Int], options: SaliencyOptions, model: Model, mapping: InputMapping?,
        progress: @escaping (Int) -> Void
    ) throws -> ([Tensor], [ArtifactMeasures?]) {
        switch options.method {
        case .integratedGradients:
            var integrated = IntegratedGradients(
                model: model, target: options.target, steps: options.steps, rule: options.integration, batch: options.batch)
            integrated.progress = progress
            let results = try integrated.attributions(
                input: input.tensor, baseline: try Self.baseline(for: input, options: options, mapping: mapping),
                classes: classes)
            return (results.map { Self.reduced($0.attributions, options.channels)[0] }, results.map(\.measures))
        case .occlusion:
            let occlusion = Occlusion(
                model: model, target: options.target, patch: options.patch, stride: options.stride,
                value: options.occlusionValue, batch: options.batch)
            defer { progress(1) }
            return (try input.locatingErrors { try occlusion.maps(input: input.tensor, scores: scores, classes: classes) }, [])
        default:
            var rise = RISE(
                model: model, target: options.target, count: options.masks, grid: options.grid, keep: options.keep,
                seed: options.seed, batch: options.batch)
            rise.progress = progress
            rise.maskSource = maskSource
            return (try rise.maps(input: input.tensor, classes: classes), [])
        }
    }

    /// Integrated Gradients' baseline for `input`, shaped like its tensor; `mapping` is the run's
    /// preprocessing, which `black` goes through.
    static func baseline(for input: RunInput, options: SaliencyOptions, mapping: InputMapping?) throws -> Tensor {
        let shape = input.tensor.shape
        switch options.baseline {
        case .zero: return Tensor(zeros: shape)
        case .black:
            guard let mapping, mapping.offset.count == shape[3] else {
                throw VizError(
                    "baseline 'black' needs the run's preprocessing as a mapping of each channel's 0…255 levels, "
                        + "which this run does not have", at: input.path)
            }
            // Level 0 of every channel: its value is the channel's offset alone.
            return Tensor(shape: shape, scalars: (0..<input.tensor.count).map { mapping.offset[$0 % shape[3]] })
        case .blurred: return RISEBlur.blurred(input.tensor)
        case .uniform:
            var generator = SeededGenerator(seed: options.seed)
            let low = input.tensor.scalars.min() ?? 0
            let high = input.tensor.scalars.max() ?? 0
            return Tensor(shape: shape, scalars: (0..<input.tensor.count).map { _ in generator.uniform(low, high) })
        case .array(let array):
            guard SaliencyOptions.itemShape(array) == Array(shape.dropFirst()) else {
                throw VizError(
                    "the baseline has shape \(ShapeCheck.describe(array.shape)), the input's tensor \(ShapeCheck.describe(shape))",
                    at: input.path)
            }
            return array.reshaped(shape)
        }
    }

    /// Writes `map` as `<input>/class_<c>/<name>.npy` and `.png`, role `saliency`: the array as it is,
    /// the picture `|map| / max |map|` (all black when it is zero) through `colormap`.
    static func emit(
        _ map: Tensor, name: String, classIndex: Int, input: RunInput, colormap: Colormap, measures: ArtifactMeasures? = nil,
        sink: ArtifactSink
    ) throws {
        let artifact = Artifact(
            role: saliency.name, name: [input.id, "class_\(classIndex)", name], input: input.id, classIndex: classIndex,
            measures: measures)
        try sink.add(artifact, array: map.reshaped([1] + map.shape))
        let largest = map.maxAbs
        let unit =
            largest > 0 && largest.isFinite ? map.scalars.map { abs($0) / largest } : [Float](repeating: 0, count: map.count)
        try sink.add(artifact, image: colormap.apply(toUnitMap: Tensor(shape: map.shape, scalars: unit)))
    }

    /// Per input of the group, the `samples` noise tensors to add, shaped like the input.
    private func noise(for group: [RunInput], options: SaliencyOptions) -> [[Tensor]] {
        group.map { input in
            let sigma = Self.sigma(input.tensor, options.noise)
            if let noiseSource { return (0..<options.samples).map { noiseSource(input, $0, sigma) } }
            // One generator per input, so an image's noise does not depend on the run's other inputs.
            var generator = SeededGenerator(seed: options.seed)
            return (0..<options.samples).map { _ in
                Tensor(shape: input.tensor.shape, scalars: (0..<input.tensor.count).map { _ in sigma * generator.normal() })
            }
        }
    }

    // MARK: - Pieces (internal for tests)

    /// SmoothGrad's σ: `noise · (max − min)` of the input.
    static func sigma(_ input: Tensor, _ noise: Double) -> Float {
        let low = input.scalars.min() ?? 0
        let high = input.scalars.max() ?? 0
        return Float(noise) * (high - low)
    }

    /// `batch + noise_i` for each batch item i.
    static func addingNoise(_ noises: [Tensor], to batch: Tensor) -> Tensor {
        var result = batch
        let itemSize = batch.count / batch.shape[0]
        for (item, noise) in noises.enumerated() {
            for index in 0..<itemSize { result.scalars[item * itemSize + index] += noise.scalars[index] }
        }
        return result
    }

    static func absolute(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, scalars: tensor.scalars.map { abs($0) })
    }

    /// One (H, W) map per item of an (N, H, W, C) attribution.
    static func reduced(_ tensor: Tensor, _ reduction: SaliencyOptions.ChannelReduction) -> [Tensor] {
        switch reduction {
        case .maxAbs: return channelMax(absolute(tensor))
        case .sum:
            let channels = tensor.shape[3]
            let pixels = tensor.count / channels
            let sums = (0..<pixels).map { p in (0..<channels).reduce(Float(0)) { $0 + tensor.scalars[p * channels + $1] } }
            let itemPixels = tensor.shape[1] * tensor.shape[2]
            return (0..<tensor.shape[0]).map { item in
                Tensor(
                    shape: [tensor.shape[1], tensor.shape[2]],
                    scalars: Array(sums[(item * itemPixels)..<((item + 1) * itemPixels)]))
            }
        }
    }

    /// The maximum over the channel axis of an (N, H, W, C) tensor: one (H, W) map per item.
    static func channelMax(_ tensor: Tensor) -> [Tensor] {
        let (batch, height, width, channels) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
        return (0..<batch).map { item in
            let base = item * height * width * channels
            return Tensor(
                shape: [height, width],
                scalars: (0..<(height * width)).map { pixel in
                    var largest = -Float.infinity
                    for channel in 0..<channels { largest = max(largest, tensor.scalars[base + pixel * channels + channel]) }
                    return largest
                })
        }
    }
}
