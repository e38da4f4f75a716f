import VizCore
import VizImage

/// Class-activation heatmaps, Deep Learning with Python 5.4.3 and its kin (Grad-CAM++, XGrad-CAM,
/// Layer-CAM, HiResCAM, Eigen-CAM, Eigen-Grad-CAM, Score-CAM, Ablation-CAM, guided Grad-CAM): one
/// forward pass to the layer and the class score, one backward pass for dScore/dA where the method
/// reads gradients, or batched passes of perturbed copies, then `relu(Σ_k w_k ⊙ A_k) / max` with the
/// method's weights (`CAMMethod`).
///
/// Per input and class: the heatmap at the layer's resolution (`.npy`), the heatmap coloured at
/// the original image's size, and the book's overlay `0.4 · heat + image` at that size; guided
/// Grad-CAM adds its input-resolution map (role `saliency`).
public final class GradCAMVisualizer: Visualizer {
    public static let name = "gradcam"
    public static let summary =
        "class-activation heatmaps and overlays: Grad-CAM (DLwP 5.4.3), Grad-CAM++, XGrad-CAM, Layer-CAM, HiResCAM, "
        + "Eigen-CAM, Eigen-Grad-CAM, Score-CAM, Ablation-CAM, guided Grad-CAM"
    public static let roles = [overlay, heatmap, SaliencyVisualizer.saliency, Faithfulness.curveRole, ContactSheet.role]
    static let overlay = ArtifactRole("overlay", title: "heatmap overlay", prominence: .leading)
    static let heatmap = ArtifactRole("heatmap", title: "heatmap", prominence: .leading)

    public static func makeAggregate() -> RunAggregate? { ContactSheet() }

    private var options: GradCAMOptions?

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try GradCAMOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        let options = try self.options ?? GradCAMOptions(model: context.model)
        let layer = options.layer
        let method = options.method
        let channels = context.model.outputShape(of: layer).last ?? 1
        let bar =
            method.perturbs
            ? context.progressBar(context.runName, total: context.inputs.count * channels, unit: "channels")
            : context.progressBar(context.runName, total: context.inputs.count, unit: "inputs")
        let faithfulness = options.metrics.map { Faithfulness(model: context.model, target: options.target, options: $0) }
        let inputNode = context.model.graph.inputNodes[0]
        for group in RunInput.batches(context.inputs, size: options.batch) {
            // A batch's inputs have one size: the first stands for them if the target does not fit it.
            let pass = try group[0].locatingErrors {
                try ScoreGradients(
                    model: context.model, target: options.target, batch: RunInput.tensor(of: group),
                    keeping: method.needsGradients ? nil : [layer.outputNode],
                    differentiatingAt: [layer.outputNode] + (method == .guidedGradcam ? [inputNode] : []))
            }
            guard let activations = pass.value(layer.outputNode) else {
                throw VizError("the forward pass did not reach this layer", at: layer.name)
            }
            for (item, input) in group.enumerated() {
                try context.sink.add(predictions: pass.predictions(options.top, item: item), for: input.id)
            }
            // Each input's classes in class order, whatever the batching; a class chosen twice is drawn once.
            let classLists = try pass.classLists(options.target.choices, inputs: group, earlier: context.earlierResults)
            var maps = [[(classIndex: Int, map: Tensor, guided: Tensor?)]](repeating: [], count: group.count)
            if method.perturbs {
                var perturbation = PerturbationCAM(
                    model: context.model, target: options.target, layer: layer.outputNode, batch: options.batch)
                perturbation.ratioChannelsToAblate = options.ratioChannelsToAblate
                perturbation.progress = { bar.advance(by: $0) }
                for (item, input) in group.enumerated() {
                    let activation = activations.batchItem(item)
                    let classes = classLists[item]
                    let scores = classes.map { pass.scores(classes: Array(repeating: $0, count: group.count))[item] }
                    let weights = try perturbation.weights(
                        method, input: input.tensor, activation: activation, scores: scores, classes: classes)
                    for (classIndex, channelWeights) in zip(classes, weights) {
                        let raw = CAMMethod.weightedSum(activation.scalars, .channel(channelWeights), channels: channels)
                        let map = Tensor(shape: Array(activation.shape[1...2]), scalars: CAMMethod.normalized(raw))
                        maps[item].append((classIndex, map, nil))
                    }
                }
            } else {
                for (rank, classes) in ScoreGradients.byRank(classLists).enumerated() {
                    let gradients =
                        method.needsGradients
                        ? try pass.gradients(classes: classes, wrt: [layer.outputNode])[layer.outputNode]! : nil
                    let heatmaps = method.heatmaps(activations: activations, gradients: gradients)
                    let guided =
                        method == .guidedGradcam
                        ? try pass.gradients(classes: classes, wrt: [inputNode], rule: .guided)[inputNode] : nil
                    for item in group.indices where rank < classLists[item].count {
                        maps[item].append((classes[item], heatmaps[item], guided?.batchItem(item)))
                    }
                }
                bar.advance(by: group.count)
            }
            for (item, input) in group.enumerated() {
                let (height, width) = (input.tensor.shape[1], input.tensor.shape[2])
                for (classIndex, map, guided) in maps[item] {
                    // The metrics score the heatmap at the input's size, as the overlay shows it.
                    let scores = try faithfulness?.scores(
                        of: map.resizedBilinear(height: height, width: width), input: input.tensor, classIndex: classIndex)
                    try emit(
                        map, classIndex: classIndex, input: input, options: options, measures: scores?.measures,
                        sink: context.sink)
                    try emitCurves(
                        scores, map: "heatmap", classIndex: classIndex, input: input, layer: layer.name, sink: context.sink)
                    if let guided {
                        let guidedMap = Self.guidedGradCAM(guided: guided, heatmap: map)
                        let guidedScores = try faithfulness?.scores(of: guidedMap, input: input.tensor, classIndex: classIndex)
                        try SaliencyVisualizer.emit(
                            guidedMap, name: "guided_gradcam", classIndex: classIndex, input: input,
                            colormap: Colormap.named("gray")!, measures: guidedScores?.measures, sink: context.sink)
                        try emitCurves(
                            guidedScores, map: "guided_gradcam", classIndex: classIndex, input: input, layer: nil,
                            sink: context.sink)
                    }
                }
            }
        }
    }

    /// Guided Grad-CAM (Selvaraju et al.): the guided gradient times the heatmap resized to the
    /// input as the overlay's is, reduced over channels as saliency maps are, `max_c |g_c · h|`.
    static func guidedGradCAM(guided: Tensor, heatmap: Tensor) -> Tensor {
        let (height, width) = (guided.shape[1], guided.shape[2])
        let upsampled = heatmap.resizedBilinear(height: height, width: width)
        let magnitudes = SaliencyVisualizer.channelMax(SaliencyVisualizer.absolute(guided))[0]
        return Tensor(shape: [height, width], scalars: zip(magnitudes.scalars, upsampled.scalars).map { $0 * $1 })
    }

    private func emitCurves(
        _ scores: Faithfulness.Scores?, map: String, classIndex: Int, input: RunInput, layer: String?, sink: ArtifactSink
    ) throws {
        guard let scores else { return }
        try Faithfulness.emitCurves(
            scores, folder: [input.id, "class_\(classIndex)"], map: map, input: input.id, layer: layer, classIndex: classIndex,
            sink: sink)
    }

    private func emit(
        _ heatmap: Tensor, classIndex: Int, input: RunInput, options: GradCAMOptions, measures: ArtifactMeasures?,
        sink: ArtifactSink
    ) throws {
        let folder = [input.id, "class_\(classIndex)"]
        let layer = options.layer.name
        let record = Artifact(
            role: Self.heatmap.name, name: folder + ["heatmap"], input: input.id, layer: layer, classIndex: classIndex,
            measures: measures)
        try sink.add(record, array: heatmap.reshaped([1] + heatmap.shape))
        let size =
            input.original.map { (height: $0.height, width: $0.width) }
            ?? (height: input.tensor.shape[1], width: input.tensor.shape[2])
        let colored = Overlay.colored(heatmap, height: size.height, width: size.width, colormap: options.colormap)
        try sink.add(record, image: colored)
        guard let original = input.original else { return }
        try sink.add(
            Artifact(role: Self.overlay.name, name: folder + ["overlay"], input: input.id, layer: layer, classIndex: classIndex),
            image: Overlay.rgb(original).overlaid(with: colored, alpha: options.alpha))
    }
}

/// The book's overlay steps.
enum Overlay {
    /// `cv2.resize(heatmap, (width, height))` (INTER_LINEAR), `np.uint8(255 · h)`, the colormap.
    static func colored(_ heatmap: Tensor, height: Int, width: Int, colormap: Colormap) -> Bitmap {
        colormap.apply(toUnitMap: heatmap.resizedBilinear(height: height, width: width))
    }

    /// The image as three channels (grey repeated, alpha dropped), as `cv2.imread` loads it.
    static func rgb(_ image: Bitmap) -> Bitmap {
        switch image.channels {
        case 3: return image
        case 1:
            return Bitmap(width: image.width, height: image.height, channels: 3, pixels: image.pixels.flatMap { [$0, $0, $0] })
        default:
            var pixels = [UInt8]()
            pixels.reserveCapacity(image.width * image.height * 3)
            for start in stride(from: 0, to: image.pixels.count, by: image.channels) {
                pixels.append(contentsOf: image.pixels[start..<(start + 3)])
            }
            return Bitmap(width: image.width, height: image.height, channels: 3, pixels: pixels)
        }
    }
}
