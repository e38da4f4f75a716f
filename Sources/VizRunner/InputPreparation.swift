import Foundation
import VizCore
import VizImage

/// Turns the config's `input` section into preprocessed tensors the model accepts, one batch at a
/// time: only the inputs in flight are held in memory.
package struct InputPreparation {
    let config: RunConfig.InputConfig
    let model: Model

    package init(config: RunConfig.InputConfig, model: Model) {
        self.config = config
        self.model = model
    }

    /// An input file and its id, named before any file is read.
    package struct Source {
        package let id: String
        package let path: String

        package init(id: String, path: String) {
            self.id = id
            self.path = path
        }
    }

    /// Every input with its id: the file name without extension, suffixed where two files share one.
    package var sources: [Source] {
        var usedIDs: Set<String> = []
        return config.images.map { path in
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return Source(id: SafeName.unique(base, taken: &usedIDs), path: path)
        }
    }

    package func prepare(_ source: Source) throws -> RunInput {
        try prepare(source.path, id: source.id)
    }

    /// Reads `source` as a run would, short of resizing and scaling it: an image is decoded whole in
    /// the run's colour mode (so a truncated or corrupt file fails here, as it would in the run) and
    /// the shape it will have is checked against the model's input; an array is read and checked.
    func check(_ source: Source) throws {
        if RunConfig.InputConfig.isArray(source.path) {
            _ = try prepare(source)
            return
        }
        let original = try Bitmap(contentsOfFile: source.path, colorMode: color.colorMode)
        let (height, width) = size(of: original)
        try check([height, width, color.colorMode.channels], against: model.inputShape, path: source.path)
    }

    /// The input as the network sees it, before scaling: the decoded image at the network's size,
    /// or an array input stretched over 0…255; nil for arrays that are not one or three channels.
    package func picture(of input: RunInput) -> Bitmap? {
        let (height, width, channels) = (input.tensor.shape[1], input.tensor.shape[2], input.tensor.shape[3])
        if let original = input.original {
            return original.resized(width: width, height: height, filter: config.resize)
        }
        guard channels == 1 || channels == 3 else { return nil }
        let finite = input.tensor.scalars.lazy.filter(\.isFinite)
        // In Double: the span of two finite Floats (-3e38 to 3e38) may be no finite Float.
        let low = Double(finite.min() ?? 0)
        let high = Double(finite.max() ?? 0)
        let scale = high > low ? 255 / (high - low) : 0
        return Bitmap(
            width: width, height: height, channels: channels,
            pixels: input.tensor.scalars.map { $0.isFinite ? UInt8(min(max((Double($0) - low) * scale, 0), 255)) : 0 })
    }

    private func prepare(_ path: String, id: String) throws -> RunInput {
        if RunConfig.InputConfig.isArray(path) {
            return RunInput(id: id, path: path, tensor: try array(at: path), original: nil)
        }
        let original = try Bitmap(contentsOfFile: path, colorMode: color.colorMode)
        let (height, width) = size(of: original)
        let tensor = try preprocessing(height: height, width: width).apply(to: original, source: path)
        try check(Array(tensor.shape.dropFirst()), against: model.inputShape, path: path)
        return RunInput(id: id, path: path, tensor: tensor, original: original)
    }

    /// An `.npy` input as it is (already preprocessed), its axes put in vizrun's order (1, H, W, C).
    private func array(at path: String) throws -> Tensor {
        var tensor = try Tensor(npyFileAt: path)
        if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
            throw VizError(
                "the array holds \(tensor.scalars[bad]) at flat index \(bad); inputs must be finite numbers", at: path)
        }
        if tensor.rank == 3 { tensor = tensor.reshaped([1] + tensor.shape) }
        let chw = config.layout == .chw
        guard tensor.rank == 4, tensor.shape[0] == 1 else {
            throw VizError(
                chw
                    ? "an .npy input with input.layout chw must be (C, H, W) or (1, C, H, W), got \(tensor.shape)"
                    : "an .npy input must be (H, W, C) or (1, H, W, C), got \(tensor.shape)", at: path)
        }
        let written = Array(tensor.shape.dropFirst())
        let (asHWC, asCHW) = (written, [written[1], written[2], written[0]])
        guard fits(chw ? asCHW : asHWC, model.inputShape) else {
            // Arrays go in as they are, so only their axis order can be what differs.
            let hint =
                fits(chw ? asHWC : asCHW, model.inputShape)
                ? "; it fits as \(chw ? "(H, W, C): leave input.layout out" : "(C, H, W): set input.layout: chw")"
                : " (arrays are not resized)"
            throw VizError(
                "the model takes inputs of shape \(describe(model.inputShape)), this array is \(written)"
                    + "\(chw ? " as (C, H, W)" : "")\(hint)", at: path)
        }
        if chw { tensor = tensor.permuted([0, 2, 3, 1]) }
        return tensor
    }

    /// `input.color`, or what the model's channel count implies.
    private var color: Preprocessing.Color {
        let expected = model.inputShape
        let channels = expected.count == 3 && expected[2] > 0 ? expected[2] : 3
        return config.color ?? (channels == 1 ? .grayscale : .rgb)
    }

    /// The (height, width) an image is resized to: `input.size`, the model's fixed size, or its own.
    private func size(of image: Bitmap) -> (height: Int, width: Int) {
        let expected = model.inputShape
        if let size = config.size { return size }
        if expected.count == 3, expected[0] > 0, expected[1] > 0 { return (expected[0], expected[1]) }
        return (image.height, image.width)
    }

    /// The preprocessing as a per-channel mapping of 0…255 levels; nil when it does not fit the model.
    var inputMapping: InputMapping? {
        let shape = model.inputShape
        guard shape.count == 3, shape[2] > 0 else { return nil }
        return try? preprocessing(height: 1, width: 1).inputMapping(channels: shape[2])
    }

    private func preprocessing(height: Int, width: Int) throws -> Preprocessing {
        var steps = config.preset.map(Preprocessing.init(preset:)) ?? Preprocessing()
        steps.size = (height, width)
        steps.filter = config.resize
        if config.preset == nil || config.color != nil { steps.color = color }
        if let scale = config.scale { steps.scale = Float(scale) }
        if let offset = config.offset { steps.offset = Float(offset) }
        if let mean = config.mean { steps.mean = mean.map(Float.init) }
        if let std = config.std { steps.std = std.map(Float.init) }
        return steps
    }

    private func check(_ shape: [Int], against expected: [Int], path: String) throws {
        guard fits(shape, expected) else {
            throw VizError(
                "the model takes inputs of shape \(describe(expected)), this input is \(shape); set input.size or input.color",
                at: path)
        }
    }

    private func fits(_ shape: [Int], _ expected: [Int]) -> Bool {
        expected.count == shape.count && zip(shape, expected).allSatisfy { $1 < 0 || $0 == $1 }
    }

    /// An input shape as the messages write it: `(224, 224, 3)`, `any` for a size the model leaves open.
    private func describe(_ shape: [Int]) -> String {
        "(" + shape.map { $0 < 0 ? "any" : String($0) }.joined(separator: ", ") + ")"
    }
}
