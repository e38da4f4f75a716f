import VizCore
import VizImage

/// The `gradcam` run's options (see Docs/config.md).
struct GradCAMOptions {
    var layer: Model.Layer
    var target: ClassScore
    var method = CAMMethod.gradcam
    var alpha = 0.4
    var colormap = Colormap.named("jet")!
    /// How many predictions to list per input.
    var top = 5
    /// How many images go through the network together: inputs of one shape, or for Score-CAM and
    /// Ablation-CAM the perturbed copies of one input (pytorch-grad-cam's `batch_size`).
    var batch = 4
    /// Ablation-CAM: the share of channels ablated (pytorch-grad-cam's option of that name).
    var ratioChannelsToAblate = 1.0
    /// Faithfulness metrics of every map, nil when not asked for.
    var metrics: Faithfulness.Options?

    /// The defaults for `model`: the last 4-D layer feeding the prediction, `class: top`, `score: probability`.
    init(model: Model) throws {
        target = try ClassScore(model: model)
        layer = try Self.defaultLayer(model: model, scoreNode: target.scoreNode)
    }

    init(_ mapping: ConfigMapping, model: Model) throws {
        let target = try ClassScore.reading(mapping, model: model)
        self.target = target
        layer =
            try mapping.value("layer") { node in
                let name = try node.string()
                let layer: Model.Layer
                do { layer = try model.requireLayer(name) } catch let error as VizError { throw node.error(error.message) }
                let shape = model.outputShape(of: layer)
                guard shape.count == 3 else {
                    throw node.error(
                        "layer '\(name)' has output shape \(ShapeCheck.describe([-1] + shape)); Grad-CAM needs a "
                            + "4-D (batch, height, width, channels) output such as a convolution's")
                }
                guard model.node(target.scoreNode, dependsOn: layer.outputNode) else {
                    throw node.error("layer \(name) does not feed the model's output; gradients cannot flow from the score to it")
                }
                return layer
            }
            ?? {
                do { return try Self.defaultLayer(model: model, scoreNode: target.scoreNode) } catch let error as VizError {
                    throw mapping.owner.error(error.message)
                }
            }()
        method = mapping.value("method", default: method) { node in
            let name = try node.string()
            guard let value = CAMMethod(rawValue: name) ?? CAMMethod.aliases[name] else {
                throw node.error(Suggestions.unknown("method", name, among: CAMMethod.allCases.map(\.rawValue)))
            }
            return value
        }
        alpha = mapping.double("alpha", default: alpha, atLeast: 0)
        colormap = mapping.value("colormap", default: colormap, Colormap.read)
        top = mapping.int("top", default: top, atLeast: 1)
        batch = mapping.int("batch", default: method.perturbs ? 32 : batch, atLeast: 1)
        ratioChannelsToAblate = mapping.value("ratio_channels_to_ablate", default: ratioChannelsToAblate) { node in
            let ratio = try node.double()
            guard ratio > 0, ratio <= 1 else { throw node.error("ratio_channels_to_ablate must be above 0 and at most 1") }
            guard method == .ablationcam else {
                throw node.error("ratio_channels_to_ablate only applies to `method: ablationcam`")
            }
            return ratio
        }
        metrics = Faithfulness.Options.reading(mapping)
        try mapping.finish()
        mapping.offer(.predictions(top: min(top, target.classCount)))
        mapping.offer(.maps(roles: [GradCAMVisualizer.heatmap.name, SaliencyVisualizer.saliency.name]))
    }

    /// The last layer in model order, before the prediction, whose output is 4-D and feeds the score.
    static func defaultLayer(model: Model, scoreNode: Int) throws -> Model.Layer {
        let feeding = model.graph.ancestors(of: [scoreNode])
        let candidates = model.computedLayers.filter {
            model.outputShape(of: $0).count == 3 && feeding.contains($0.outputNode) && $0.outputNode != scoreNode
        }
        guard let layer = candidates.last else {
            throw VizError(
                "no layer with a 4-D (batch, height, width, channels) output feeds the model's prediction; "
                    + "Grad-CAM needs a convolutional layer (name one with `layer:`)", at: model.path)
        }
        return layer
    }
}
