import VizCore

/// Occlusion (Zeiler & Fergus, 2014, as Captum's `Occlusion`): a square patch, over every channel,
/// slides over the input; each pixel's value is the drop in score, `score(x) − score(occluded)`,
/// averaged over the patches that cover it. Patch positions are Captum's: every `stride` pixels
/// from the top-left, ⌈(size − patch) / stride⌉ + 1 per axis, the last ones cut at the border.
struct Occlusion {
    /// What the patch fills in.
    enum Value: String, CaseIterable {
        case zero
        /// Each channel's mean over the input.
        case mean
    }

    let model: Model
    let target: ClassScore
    let patch: Int
    let stride: Int
    let value: Value
    let batch: Int
    var progress: (Int) -> Void = { _ in }

    /// The patch's top-left positions along an axis of `size` pixels.
    func positions(_ size: Int) -> [Int] {
        let count = (size - patch + stride - 1) / stride + 1
        return (0..<count).map { $0 * stride }
    }

    /// One (H, W) map per class of `classes` for `input` (1, H, W, C), whose scores are `scores`.
    func maps(input: Tensor, scores: [Float], classes: [Int]) throws -> [Tensor] {
        let (height, width, channels) = (input.shape[1], input.shape[2], input.shape[3])
        guard patch <= min(height, width) else {
            throw VizError("the occlusion patch (\(patch)) is larger than the \(height)x\(width) input")
        }
        let fill = fillValues(input)
        let windows = positions(height).flatMap { top in positions(width).map { (top, $0) } }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: height * width), count: classes.count)
        var counts = [Double](repeating: 0, count: height * width)
        for start in Swift.stride(from: 0, to: windows.count, by: batch) {
            let chunk = windows[start..<min(start + batch, windows.count)]
            var copies = [Float]()
            copies.reserveCapacity(chunk.count * input.count)
            for (top, left) in chunk {
                var copy = input.scalars
                for y in top..<min(top + patch, height) {
                    for x in left..<min(left + patch, width) {
                        for c in 0..<channels { copy[(y * width + x) * channels + c] = fill[c] }
                    }
                }
                copies += copy
            }
            let pass = try ScoreGradients(
                model: model, target: target, batch: Tensor(shape: [chunk.count, height, width, channels], scalars: copies),
                keeping: [])
            for (index, classIndex) in classes.enumerated() {
                let occluded = pass.scores(classes: Array(repeating: classIndex, count: chunk.count))
                for ((top, left), score) in zip(chunk, occluded) {
                    let drop = Double(scores[index] - score)
                    for y in top..<min(top + patch, height) {
                        for x in left..<min(left + patch, width) { sums[index][y * width + x] += drop }
                    }
                }
            }
            for (top, left) in chunk {
                for y in top..<min(top + patch, height) {
                    for x in left..<min(left + patch, width) { counts[y * width + x] += 1 }
                }
            }
            progress(chunk.count)
        }
        return sums.map { sum in Tensor(shape: [height, width], scalars: zip(sum, counts).map { Float($0 / $1) }) }
    }

    private func fillValues(_ input: Tensor) -> [Float] {
        let channels = input.shape[3]
        guard value == .mean else { return [Float](repeating: 0, count: channels) }
        var sums = [Double](repeating: 0, count: channels)
        for (i, scalar) in input.scalars.enumerated() { sums[i % channels] += Double(scalar) }
        return sums.map { Float($0 / Double(input.count / channels)) }
    }
}
