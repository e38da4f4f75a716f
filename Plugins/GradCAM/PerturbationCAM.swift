import Foundation
import VizCore

/// Score-CAM and Ablation-CAM: channel weights from the network's scores of perturbed copies, as
/// pytorch-grad-cam's score_cam.py and ablation_cam.py compute them. Copies go through the network
/// `batch` at a time and are dropped after their pass, so memory does not grow with the channels.
struct PerturbationCAM {
    let model: Model
    let target: ClassScore
    /// The node whose output is the CAM layer's activation.
    let layer: Int
    let batch: Int
    /// Ablation-CAM: the share of channels ablated (pytorch-grad-cam's `ratio_channels_to_ablate`).
    var ratioChannelsToAblate = 1.0
    /// Called after each pass with the number of channels it scored.
    var progress: (Int) -> Void = { _ in }

    /// One weight per channel for each class of `classes`, for one input: `input` (1, H, W, C),
    /// `activation` its (1, h, w, c) output at the layer, `scores` its score of each class of `classes`.
    func weights(_ method: CAMMethod, input: Tensor, activation: Tensor, scores: [Float], classes: [Int]) throws -> [[Float]] {
        switch method {
        case .scorecam: return try scoreCAM(input: input, activation: activation, classes: classes)
        case .ablationcam: return try ablationCAM(input: input, activation: activation, scores: scores, classes: classes)
        default: preconditionFailure("\(method.rawValue) perturbs nothing")
        }
    }

    /// Wang et al. 2020: each channel, upsampled to the input (bilinear, corners aligned, as
    /// `torch.nn.UpsamplingBilinear2d`) and scaled to [0, 1] by `(A − min) / (max − min + 1e-8)`,
    /// masks the input; the weights are the softmax over channels of the masked inputs' scores.
    private func scoreCAM(input: Tensor, activation: Tensor, classes: [Int]) throws -> [[Float]] {
        let (height, width, inputChannels) = (input.shape[1], input.shape[2], input.shape[3])
        let channels = activation.shape[3]
        var scores = [[Float]](repeating: [], count: classes.count)
        for start in stride(from: 0, to: channels, by: batch) {
            let chunk = start..<min(start + batch, channels)
            var masked = [Float]()
            masked.reserveCapacity(chunk.count * input.count)
            for k in chunk {
                let mask = Self.unitScaled(
                    Self.upsampledAligned(
                        Self.plane(activation, k), sourceHeight: activation.shape[1], sourceWidth: activation.shape[2],
                        height: height, width: width))
                for p in 0..<(height * width) {
                    for c in 0..<inputChannels { masked.append(input.scalars[p * inputChannels + c] * mask[p]) }
                }
            }
            let copies = Tensor(shape: [chunk.count, height, width, inputChannels], scalars: masked)
            try score(copies: copies, classes: classes, into: &scores)
            progress(chunk.count)
        }
        return scores.map(Self.softmax)
    }

    /// Desai & Ramaswamy 2020: `(score − score with channel k zeroed) / score`, the zeroed copies run
    /// from the layer upward only (`Graph.evaluate(_:given:targets:)`). pytorch-grad-cam lowers a
    /// channel to `min(A) − 1e7` instead of 0 when A has no zero; vizrun zeroes, as the paper. A
    /// score of 0 leaves the drops undivided (the paper's quotient has no value there).
    private func ablationCAM(input: Tensor, activation: Tensor, scores: [Float], classes: [Int]) throws -> [[Float]] {
        let channels = activation.shape[3]
        let ablated = ablatedChannels(activation)
        var ablatedScores = [[Float]](repeating: [], count: classes.count)
        for start in stride(from: 0, to: ablated.count, by: batch) {
            let chunk = ablated[start..<min(start + batch, ablated.count)]
            var copies = [Float]()
            copies.reserveCapacity(chunk.count * activation.count)
            for k in chunk {
                var copy = activation.scalars
                for p in stride(from: k, to: copy.count, by: channels) { copy[p] = 0 }
                copies.append(contentsOf: copy)
            }
            let given = Tensor(shape: [chunk.count] + activation.shape.dropFirst(), scalars: copies)
            try score(given: given, input: input, classes: classes, into: &ablatedScores)
            progress(chunk.count)
        }
        return classes.indices.map { index in
            let score = scores[index]
            var weights = [Float](repeating: 0, count: channels)
            for (position, k) in ablated.enumerated() {
                let drop = score - ablatedScores[index][position]
                weights[k] = score != 0 ? drop / score : drop
            }
            return weights
        }
    }

    /// Every channel, or with a ratio r < 1 pytorch-grad-cam's choice (ablation_layer.py): each
    /// channel scored by how much of its `|A|`, scaled to [0, 1], falls where the Eigen-CAM
    /// projection's `|·|`, scaled to [0, 1], exceeds 0.01; the ⌊c·r⌋ highest and ⌊c·r⌋ lowest.
    func ablatedChannels(_ activation: Tensor) -> [Int] {
        let channels = activation.shape[3]
        guard ratioChannelsToAblate < 1 else { return Array(0..<channels) }
        let projection = PrincipalComponent.projection(activation.scalars, channels: channels).map { abs($0) }
        let low = projection.min() ?? 0
        let high = (projection.max() ?? 0) - low
        let inside = projection.map { ($0 - low) / high > 0.01 }
        let scores = (0..<channels).map { k -> Float in
            let magnitudes = Self.plane(activation, k).map { abs($0) }
            let least = magnitudes.min() ?? 0
            let range = (magnitudes.max() ?? 0) - least
            let scaled = magnitudes.map { ($0 - least) / range } // NaN for a constant channel, as NumPy
            let total = scaled.reduce(0, +)
            return zip(scaled, inside).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } / total
        }
        // np.argsort: ascending, NaN last, ties in index order.
        let order = (0..<channels).sorted { a, b in
            let (x, y) = (scores[a], scores[b])
            if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN || (x.isNaN && y.isNaN && a < b) }
            return x < y || (x == y && a < b)
        }
        let count = Int(Double(channels) * ratioChannelsToAblate)
        var chosen = [Int]()
        for k in order.reversed().prefix(count) + order.prefix(count) where !chosen.contains(k) { chosen.append(k) }
        return chosen
    }

    /// Appends each input copy's score of each class to `scores[index of the class]`.
    private func score(copies: Tensor, classes: [Int], into scores: inout [[Float]]) throws {
        let node = target.scoreNode
        try append(try model.graph.evaluate([copies], targets: [node])[node], classes: classes, to: &scores)
    }

    /// The same for copies of the layer's activation, `given` from the layer upward; `input` is
    /// repeated beside them only when a path to the score bypasses the layer (a skip connection).
    private func score(given: Tensor, input: Tensor, classes: [Int], into scores: inout [[Float]]) throws {
        let graph = model.graph
        let node = target.scoreNode
        let count = given.shape[0]
        let bypassed = graph.ancestors(of: [node], above: [layer]).contains { graph.nodes[$0].op is InputOp }
        let feeds =
            bypassed
            ? [
                Tensor(
                    shape: [count] + input.shape.dropFirst(),
                    scalars: Array([[Float]](repeating: input.scalars, count: count).joined()))
            ]
            : []
        try append(try graph.evaluate(feeds, given: [layer: given], targets: [node])[node], classes: classes, to: &scores)
    }

    private func append(_ output: Tensor?, classes: [Int], to scores: inout [[Float]]) throws {
        guard let output else { throw VizError("the forward pass did not reach the score", at: model.path) }
        for (index, classIndex) in classes.enumerated() {
            scores[index] += target.scoreValues(classes: Array(repeating: classIndex, count: output.shape[0]), scoreValue: output)
        }
    }

    // MARK: - Pieces

    /// Channel `k` of item 0 of an (N, h, w, c) tensor, h·w values.
    static func plane(_ tensor: Tensor, _ k: Int) -> [Float] {
        let channels = tensor.shape[3]
        return (0..<(tensor.shape[1] * tensor.shape[2])).map { tensor.scalars[$0 * channels + k] }
    }

    /// An h × w plane resized bilinearly with corners aligned (`align_corners=True`): output pixel
    /// i samples source position `i · (h − 1) / (H − 1)`.
    static func upsampledAligned(_ plane: [Float], sourceHeight: Int, sourceWidth: Int, height: Int, width: Int) -> [Float] {
        func taps(_ from: Int, _ to: Int) -> [(Int, Int, Float)] {
            (0..<to).map { i in
                let position = to > 1 ? Float(i) * Float(from - 1) / Float(to - 1) : 0
                let low = min(Int(position), from - 1)
                return (low, min(low + 1, from - 1), position - Float(low))
            }
        }
        let rows = taps(sourceHeight, height)
        let columns = taps(sourceWidth, width)
        var result = [Float](repeating: 0, count: height * width)
        for (y, (top, bottom, fy)) in rows.enumerated() {
            for (x, (left, right, fx)) in columns.enumerated() {
                let upper = plane[top * sourceWidth + left] * (1 - fx) + plane[top * sourceWidth + right] * fx
                let lower = plane[bottom * sourceWidth + left] * (1 - fx) + plane[bottom * sourceWidth + right] * fx
                result[y * width + x] = upper * (1 - fy) + lower * fy
            }
        }
        return result
    }

    /// `(x − min) / (max − min + 1e-8)`.
    static func unitScaled(_ values: [Float]) -> [Float] {
        let low = values.min() ?? 0
        let range = (values.max() ?? 0) - low + 1e-8
        return values.map { ($0 - low) / range }
    }

    static func softmax(_ values: [Float]) -> [Float] {
        let largest = values.max() ?? 0
        let exponentials = values.map { Foundation.exp(Double($0 - largest)) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { Float($0 / total) }
    }
}
