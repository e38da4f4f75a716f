import Foundation
import VizCore
import VizImage

/// RISE (Petsiuk et al., 2018): `Σᵢ score(x ⊙ Mᵢ) · Mᵢ / (N · p)` over N random masks. Each mask is a
/// `grid × grid` array of cells kept with probability p, upsampled bilinearly to (grid + 1) cells of
/// ⌈size / grid⌉ pixels and cut at a random shift of less than one cell, as the paper's
/// `generate_masks`. Masks are drawn `batch` at a time from one seeded generator, so every input
/// sees the same masks and none is held longer than its pass.
struct RISE {
    let model: Model
    let target: ClassScore
    let count: Int
    let grid: Int
    let keep: Double
    let seed: UInt64
    let batch: Int
    var progress: (Int) -> Void = { _ in }
    /// Mask `index` for an input of `height` × `width`, instead of the drawn ones; tests inject the
    /// reference's stored masks.
    var maskSource: ((_ index: Int, _ height: Int, _ width: Int) -> [Float])?

    /// One (H, W) map per class of `classes` for `input` (1, H, W, C).
    func maps(input: Tensor, classes: [Int]) throws -> [Tensor] {
        let (height, width, channels) = (input.shape[1], input.shape[2], input.shape[3])
        var generator = SeededGenerator(seed: seed)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: height * width), count: classes.count)
        for start in stride(from: 0, to: count, by: batch) {
            let indices = start..<min(start + batch, count)
            let masks = indices.map { maskSource?($0, height, width) ?? drawMask(&generator, height: height, width: width) }
            var copies = [Float]()
            copies.reserveCapacity(indices.count * input.count)
            for mask in masks {
                for p in 0..<(height * width) {
                    for c in 0..<channels { copies.append(input.scalars[p * channels + c] * mask[p]) }
                }
            }
            let pass = try ScoreGradients(
                model: model, target: target, batch: Tensor(shape: [indices.count, height, width, channels], scalars: copies),
                keeping: [])
            for (index, classIndex) in classes.enumerated() {
                let scores = pass.scores(classes: Array(repeating: classIndex, count: indices.count))
                for (mask, score) in zip(masks, scores) {
                    for p in 0..<(height * width) { sums[index][p] += Double(score) * Double(mask[p]) }
                }
            }
            progress(indices.count)
        }
        let scale = 1 / (Double(count) * keep)
        return sums.map { Tensor(shape: [height, width], scalars: $0.map { Float($0 * scale) }) }
    }

    /// The next mask of `generator`: the cells, then the shift.
    func drawMask(_ generator: inout SeededGenerator, height: Int, width: Int) -> [Float] {
        let cellHeight = (height + grid - 1) / grid
        let cellWidth = (width + grid - 1) / grid
        let cells = (0..<(grid * grid)).map { _ -> Float in Double(generator.uniform(0, 1)) < keep ? 1 : 0 }
        let dy = Int(generator.next() % UInt64(cellHeight))
        let dx = Int(generator.next() % UInt64(cellWidth))
        let upsampled = Tensor(shape: [grid, grid], scalars: cells)
            .resizedBilinear(height: (grid + 1) * cellHeight, width: (grid + 1) * cellWidth)
        let upWidth = (grid + 1) * cellWidth
        return (0..<(height * width)).map { p in upsampled.scalars[(p / width + dy) * upWidth + p % width + dx] }
    }
}
