import VizCore
import VizImage

/// The `saliency` run's options (see Docs/config.md).
struct SaliencyOptions {
    enum Method: String, CaseIterable {
        case vanilla, smoothgrad
        case integratedGradients = "integrated_gradients"
        case guidedBackprop = "guided_backprop"
        case occlusion, rise

        /// Whether the method scores perturbed copies of the input rather than differentiating.
        var perturbs: Bool { self == .occlusion || self == .rise }
    }

    /// How an input-gradient attribution (H, W, C) becomes one value per pixel.
    enum ChannelReduction: String, CaseIterable {
        case maxAbs = "max_abs"
        case sum
    }

    /// Integrated Gradients' starting point.
    enum Baseline: Equatable {
        case zero
        /// A black picture through the run's preprocessing: level 0 of every channel, mapped.
        case black
        /// Uniform noise over the input's own range (min…max), drawn with `seed`.
        case uniform
        /// The input through the RISE paper's blur (`RISEBlur`), as deletion's `blurred` baseline.
        case blurred
        /// An array of the input tensor's shape, (H, W, C) or (1, H, W, C).
        case array(Tensor)
    }

    var target: ClassScore
    var method = Method.vanilla
    var channels = ChannelReduction.maxAbs
    /// SmoothGrad: noisy copies per input, σ as a fraction of the input's (max − min). The seed
    /// also draws RISE's masks and Integrated Gradients' uniform baseline.
    var samples = 25
    var noise = 0.15
    var seed: UInt64 = 0
    /// Integrated Gradients (Captum's defaults but the baseline's).
    var steps = 50
    var integration = IntegratedGradients.Rule.riemannTrapezoid
    var baseline = Baseline.zero
    /// Occlusion: the square patch's side and stride in input pixels, and what it fills in.
    var patch = 16
    var stride = 8
    var occlusionValue = Occlusion.Value.zero
    /// RISE (Xplique's defaults): mask count, grid cells per side, probability of keeping a cell.
    var masks = 4000
    var grid = 7
    var keep = 0.5
    var colormap = Colormap.named("gray")!
    var top = 5
    /// Images per pass: inputs, or the method's interpolated, occluded or masked copies of one.
    var batch = 4
    /// Faithfulness metrics of every map, nil when not asked for.
    var metrics: Faithfulness.Options?

    init(model: Model) throws {
        target = try ClassScore(model: model)
    }

    /// The keys each method reads beyond the shared ones.
    private static let methodKeys: [String: [Method]] = [
        "samples": [.smoothgrad], "noise": [.smoothgrad], "seed": [.smoothgrad, .integratedGradients, .rise],
        "steps": [.integratedGradients], "integration": [.integratedGradients], "baseline": [.integratedGradients],
        "patch": [.occlusion], "stride": [.occlusion], "value": [.occlusion],
        "masks": [.rise], "grid": [.rise], "keep": [.rise],
        "channels": [.vanilla, .smoothgrad, .integratedGradients, .guidedBackprop],
    ]

    init(_ mapping: ConfigMapping, model: Model) throws {
        target = try ClassScore.reading(mapping, model: model)
        let shape = model.inputShape
        guard shape.count == 3 else {
            throw mapping.owner.error(
                "saliency needs an image input (batch, height, width, channels); the model's input has shape "
                    + ShapeCheck.describe([-1] + model.inputShape))
        }
        method = mapping.choice("method", default: method)
        channels = mapping.choice("channels", default: method == .integratedGradients ? .sum : channels)
        samples = mapping.int("samples", default: samples, atLeast: 1)
        noise = mapping.double("noise", default: noise, atLeast: 0)
        seed = UInt64(mapping.int("seed", default: Int(seed), atLeast: 0))
        steps = mapping.int("steps", default: steps, atLeast: 2)
        integration = mapping.choice("integration", default: integration)
        baseline = mapping.value("baseline", default: baseline) { node in
            switch try node.string() {
            case "zero": return .zero
            case "black": return .black
            case "uniform": return .uniform
            case "blurred": return .blurred
            case let text where text.hasSuffix(".npy"):
                let path = try node.path()
                do { return .array(try Tensor(npyFileAt: path)) } catch let error as VizError { throw node.error(error.message) }
            case let text:
                throw node.error("baseline '\(text)' is none of zero, black, uniform, blurred or an .npy file")
            }
        }
        patch = mapping.int("patch", default: patch, atLeast: 1)
        stride = mapping.value("stride", default: stride) { [patch] node in
            let stride = try node.int(atLeast: 1)
            // Captum's Occlusion refuses it too: pixels between the patches would have no value.
            guard stride <= patch else {
                throw node.error("stride \(stride) is larger than the patch (\(patch)): pixels between patches would be left out")
            }
            return stride
        }
        occlusionValue = mapping.choice("value", default: occlusionValue)
        masks = mapping.int("masks", default: masks, atLeast: 1)
        grid = mapping.int("grid", default: grid, atLeast: 1)
        keep = mapping.value("keep", default: keep) { node in
            let keep = try node.double()
            guard keep > 0, keep <= 1 else { throw node.error("keep must be above 0 and at most 1") }
            return keep
        }
        colormap = mapping.value("colormap", default: colormap, Colormap.read)
        top = mapping.int("top", default: top, atLeast: 1)
        let heavy = [.integratedGradients, .occlusion, .rise].contains(method)
        batch = mapping.int("batch", default: heavy ? 32 : batch, atLeast: 1)
        for (key, methods) in Self.methodKeys.sorted(by: { $0.key < $1.key })
        where mapping.keys.contains(key) && !methods.contains(method) {
            let names = methods.map { "`method: \($0.rawValue)`" }.joined(separator: " or ")
            mapping.record(try mapping.required(key).error("\(key) only applies to \(names)"), at: mapping.owner)
        }
        metrics = Faithfulness.Options.reading(mapping)
        checkSizes(mapping, shape: shape)
        try mapping.finish()
        mapping.offer(.predictions(top: min(top, target.classCount)))
        mapping.offer(.maps(roles: [SaliencyVisualizer.saliency.name]))
    }

    /// A patch larger than a fixed input, or a baseline of another shape, is an error now rather
    /// than at the first image.
    private func checkSizes(_ mapping: ConfigMapping, shape: [Int]) {
        let (height, width) = (shape[0], shape[1])
        if method == .occlusion, height > 0, width > 0, patch > min(height, width) {
            let written = mapping.optional("patch")
            let node = written ?? mapping.owner
            let patch = written == nil ? "patch \(patch) (the default)" : "patch \(patch)"
            mapping.record(node.error("\(patch) is larger than the model's \(height)x\(width) input"), at: node)
        }
        if case .array(let tensor) = baseline, let node = mapping.optional("baseline"),
            !zip(Self.itemShape(tensor), shape).allSatisfy({ $1 < 0 || $0 == $1 }) || Self.itemShape(tensor).count != 3
        {
            mapping.record(
                node.error(
                    "the baseline has shape \(ShapeCheck.describe(tensor.shape)); the model's input is "
                        + ShapeCheck.describe([-1] + shape)), at: node)
        }
    }

    /// An array's shape without a leading batch axis of 1.
    static func itemShape(_ tensor: Tensor) -> [Int] {
        tensor.rank == 4 && tensor.shape[0] == 1 ? Array(tensor.shape.dropFirst()) : tensor.shape
    }
}
