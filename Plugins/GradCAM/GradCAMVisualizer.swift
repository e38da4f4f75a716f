import VizCore
import VizImage

/// Class-activation heatmaps, Deep Learning with Python 5.4.3 and its kin (Grad-CAM++, XGrad-CAM,
/// Layer-CAM, HiResCAM): one forward pass to the layer and the class score, one backward pass for
/// dScore/dA, then `relu(Σ_k w_k ⊙ A_k) / max` with the method's weights (`CAMMethod`).
///
/// Per input and class: the heatmap at the layer's resolution (`.npy`), the heatmap coloured at
/// the original image's size, and the book's overlay `0.4 · heat + image` at that size.
public final class GradCAMVisualizer: Visualizer {
    public static let name = "gradcam"
    public static let summary =
        "class-activation heatmaps and overlays: Grad-CAM (DLwP 5.4.3), Grad-CAM++, XGrad-CAM, Layer-CAM, HiResCAM"
    public static let roles = [overlay, heatmap, ContactSheet.role]
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
        let bar = context.progressBar(context.runName, total: context.inputs.count, unit: "inputs")
        for group in RunInput.batches(context.inputs, size: options.batch) {
            let pass = try ScoreGradients(model: context.model, target: options.target, batch: RunInput.tensor(of: group))
            guard let activations = pass.value(layer.outputNode) else {
                throw VizError("the forward pass did not reach this layer", at: layer.name)
            }
            for (item, input) in group.enumerated() {
                try context.sink.add(predictions: pass.predictions(options.top, item: item), for: input.id)
            }
            // Each input's maps in class order, whatever the batching; a class chosen twice is drawn once.
            var maps = [[(classIndex: Int, map: Tensor)]](repeating: [], count: group.count)
            for choice in options.target.choices {
                let classes = try pass.classes(for: choice, inputs: group, earlier: context.earlierResults)
                let gradients = try pass.gradients(classes: classes, wrt: [layer.outputNode])[layer.outputNode]!
                let heatmaps = options.method.heatmaps(activations: activations, gradients: gradients)
                for item in group.indices where !maps[item].contains(where: { $0.classIndex == classes[item] }) {
                    maps[item].append((classes[item], heatmaps[item]))
                }
            }
            for (item, input) in group.enumerated() {
                for (classIndex, map) in maps[item] {
                    try emit(map, classIndex: classIndex, input: input, options: options, sink: context.sink)
                }
            }
            bar.advance(by: group.count)
        }
    }

    private func emit(
        _ heatmap: Tensor, classIndex: Int, input: RunInput, options: GradCAMOptions,
        sink: ArtifactSink
    ) throws {
        let folder = [input.id, "class_\(classIndex)"]
        let layer = options.layer.name
        try sink.add(
            Artifact(role: Self.heatmap.name, name: folder + ["heatmap"], input: input.id, layer: layer, classIndex: classIndex),
            array: heatmap.reshaped([1] + heatmap.shape))
        let size =
            input.original.map { (height: $0.height, width: $0.width) }
            ?? (height: input.tensor.shape[1], width: input.tensor.shape[2])
        let colored = Overlay.colored(heatmap, height: size.height, width: size.width, colormap: options.colormap)
        try sink.add(
            Artifact(role: Self.heatmap.name, name: folder + ["heatmap"], input: input.id, layer: layer, classIndex: classIndex),
            image: colored)
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
