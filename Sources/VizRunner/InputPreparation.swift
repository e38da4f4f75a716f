import Foundation
import VizCore
import VizImage

/// Turns the config's `input` section into preprocessed tensors the model accepts.
struct InputPreparation {
    let config: RunConfig.InputConfig
    let model: Model

    func prepareAll() throws -> [RunInput] {
        var usedIDs: Set<String> = []
        return try config.images.map { path in
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return try prepare(path, id: SafeName.unique(base, taken: &usedIDs))
        }
    }

    private func prepare(_ path: String, id: String) throws -> RunInput {
        let expected = model.inputShape
        if path.lowercased().hasSuffix(".npy") {
            var tensor = try Tensor(npyFileAt: path)
            if tensor.rank == 3 { tensor = tensor.reshaped([1] + tensor.shape) }
            guard tensor.rank == 4, tensor.shape[0] == 1 else {
                throw VizError("an .npy input must be (H, W, C) or (1, H, W, C), got \(tensor.shape)", at: path)
            }
            try check(Array(tensor.shape.dropFirst()), against: expected, path: path)
            return RunInput(id: id, path: path, tensor: tensor, original: nil)
        }
        let channels = expected.count == 3 && expected[2] > 0 ? expected[2] : 3
        let color = config.color ?? (channels == 1 ? "grayscale" : "rgb")
        let original = try Bitmap(contentsOfFile: path, colorMode: color == "grayscale" ? .grayscale : .rgb)
        var height = original.height, width = original.width
        if let size = config.size {
            (height, width) = size
        } else if expected.count == 3, expected[0] > 0, expected[1] > 0 {
            (height, width) = (expected[0], expected[1])
        }
        let tensor = try preprocessing(height: height, width: width, color: color).apply(to: original, source: path)
        try check(Array(tensor.shape.dropFirst()), against: expected, path: path)
        return RunInput(id: id, path: path, tensor: tensor, original: original)
    }

    private func preprocessing(height: Int, width: Int, color: String) throws -> Preprocessing {
        var steps = config.preset.flatMap(Preprocessing.Preset.init(rawValue:)).map(Preprocessing.init(preset:)) ?? Preprocessing()
        steps.size = (height, width)
        steps.filter = ResampleFilter(rawValue: config.resize) ?? .nearest
        if config.preset == nil || config.color != nil {
            steps.color = color == "bgr" ? .bgr : (color == "grayscale" ? .grayscale : .rgb)
        }
        if let scale = config.scale { steps.scale = Float(scale) }
        if let offset = config.offset { steps.offset = Float(offset) }
        if let mean = config.mean { steps.mean = mean.map(Float.init) }
        if let std = config.std { steps.std = std.map(Float.init) }
        return steps
    }

    private func check(_ shape: [Int], against expected: [Int], path: String) throws {
        guard expected.count == shape.count, zip(shape, expected).allSatisfy({ $1 < 0 || $0 == $1 }) else {
            let want = "(" + expected.map { $0 < 0 ? "any" : String($0) }.joined(separator: ", ") + ")"
            throw VizError("the model takes inputs of shape \(want), this input is \(shape); set input.size or input.color",
                           at: path)
        }
    }
}
