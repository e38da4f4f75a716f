import VizCore
import VizImage

/// The `saliency` run's options (see Docs/config.md).
struct SaliencyOptions {
    enum Method: String, CaseIterable {
        case vanilla, smoothgrad
    }

    var target: ClassScore
    var method = Method.vanilla
    /// SmoothGrad: noisy copies per input, σ as a fraction of the input's (max − min), the seed.
    var samples = 25
    var noise = 0.15
    var seed: UInt64 = 0
    var colormap = Colormap.named("gray")!
    var top = 5
    var batch = 4

    init(model: Model) throws {
        target = try ClassScore(model: model)
    }

    init(_ mapping: ConfigMapping, model: Model) throws {
        target = try ClassScore.reading(mapping, model: model)
        guard model.inputShape.count == 3 else {
            throw mapping.owner.error(
                "saliency needs an image input (batch, height, width, channels); the model's input has shape "
                    + ShapeCheck.describe([-1] + model.inputShape))
        }
        method = mapping.choice("method", default: method)
        samples = mapping.int("samples", default: samples, atLeast: 1)
        noise = mapping.double("noise", default: noise, atLeast: 0)
        seed = UInt64(mapping.int("seed", default: Int(seed), atLeast: 0))
        colormap = mapping.value("colormap", default: colormap, Colormap.read)
        top = mapping.int("top", default: top, atLeast: 1)
        batch = mapping.int("batch", default: batch, atLeast: 1)
        if method == .vanilla {
            for key in ["samples", "noise", "seed"] where mapping.keys.contains(key) {
                mapping.record(try mapping.required(key).error("\(key) only applies to `method: smoothgrad`"), at: mapping.owner)
            }
        }
        try mapping.finish()
        mapping.offer(.predictions(top: min(top, target.classCount)))
    }
}

/// Vanilla gradients (Simonyan et al.) and SmoothGrad (Smilkov et al.): how much each input pixel
/// moves the class score, `max over channels of |dScore/dInput|`; SmoothGrad averages `|grad|`
/// over noisy copies of the input before taking the channel maximum.
public final class SaliencyVisualizer: Visualizer {
    public static let name = "saliency"
    public static let summary = "input-gradient saliency maps: vanilla gradients and SmoothGrad"
    public static let roles = [saliency]
    static let saliency = ArtifactRole("saliency", title: "saliency map", prominence: .leading)

    private var options: SaliencyOptions?
    /// The noise SmoothGrad adds for sample `sample` of `input` (σ given), shaped like the input's
    /// tensor (1, H, W, C); nil draws σ · N(0, 1) from `SeededGenerator(seed:)`. Tests inject fixed noise.
    var noiseSource: ((_ input: RunInput, _ sample: Int, _ sigma: Float) -> Tensor)?

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try SaliencyOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        let options = try self.options ?? SaliencyOptions(model: context.model)
        let model = context.model
        let inputNode = model.graph.inputNodes[0]
        let steps = options.method == .smoothgrad ? options.samples : 1
        let bar = context.progressBar(context.runName, total: context.inputs.count * steps, unit: "passes")
        for group in RunInput.batches(context.inputs, size: options.batch) {
            let batch = RunInput.tensor(of: group)
            let clean = try ScoreGradients(model: model, target: options.target, batch: batch)
            for (item, input) in group.enumerated() {
                try context.sink.add(predictions: clean.predictions(options.top, item: item), for: input.id)
            }
            // The classes to explain come from the clean input, also for SmoothGrad's noisy copies.
            let classLists = try options.target.choices.map {
                try clean.classes(for: $0, inputs: group, earlier: context.earlierResults)
            }
            let maps: [[Tensor]]
            switch options.method {
            case .vanilla:
                maps = try classLists.map { classes in
                    Self.channelMax(Self.absolute(try clean.gradients(classes: classes, wrt: [inputNode])[inputNode]!))
                }
                bar.advance(by: group.count)
            case .smoothgrad:
                // One forward pass per noisy copy serves every class.
                let noises = noise(for: group, options: options)
                var sums = [Tensor](repeating: Tensor(zeros: batch.shape), count: classLists.count)
                for sample in 0..<options.samples {
                    let pass = try ScoreGradients(
                        model: model, target: options.target,
                        batch: Self.addingNoise(noises.map { $0[sample] }, to: batch))
                    for (index, classes) in classLists.enumerated() {
                        let gradient = try pass.gradients(classes: classes, wrt: [inputNode])[inputNode]!
                        for i in sums[index].scalars.indices { sums[index].scalars[i] += abs(gradient.scalars[i]) }
                    }
                    bar.advance(by: group.count)
                }
                let count = Float(options.samples)
                maps = sums.map { Self.channelMax(Tensor(shape: $0.shape, scalars: $0.scalars.map { $0 / count })) }
            }
            // Each input's maps in class order, whatever the batching; a class chosen twice is drawn once.
            for (item, input) in group.enumerated() {
                var done = Set<Int>()
                for (classes, classMaps) in zip(classLists, maps) where done.insert(classes[item]).inserted {
                    try emit(classMaps[item], classIndex: classes[item], input: input, options: options, sink: context.sink)
                }
            }
        }
    }

    private func emit(_ map: Tensor, classIndex: Int, input: RunInput, options: SaliencyOptions, sink: ArtifactSink) throws {
        let artifact = Artifact(
            role: Self.saliency.name, name: [input.id, "class_\(classIndex)", "saliency"], input: input.id,
            classIndex: classIndex)
        try sink.add(artifact, array: map.reshaped([1] + map.shape))
        let largest = map.scalars.max() ?? 0
        let unit = largest > 0 && largest.isFinite ? map.scalars.map { $0 / largest } : [Float](repeating: 0, count: map.count)
        try sink.add(artifact, image: options.colormap.apply(toUnitMap: Tensor(shape: map.shape, scalars: unit)))
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
