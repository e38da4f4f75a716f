/// Keras `LayerNormalization`: each batch item is normalised over `axes` (its mean and variance
/// taken over them), then scaled by γ and shifted by β, both shaped like those axes.
///
/// The normalised axes are moved last (a transpose, when they are not already last), so every
/// group of values to normalise is one contiguous row.
public final class LayerNormOp: Op {
    /// Axes normalised over, counting the batch axis, ascending.
    public let axes: [Int]
    public let gamma: [Float]?
    public let beta: [Float]?
    public let epsilon: Float

    public init(axes: [Int], gamma: [Float]?, beta: [Float]?, epsilon: Float) {
        self.axes = axes.sorted()
        self.gamma = gamma
        self.beta = beta
        self.epsilon = epsilon
    }

    public var kind: String { "LayerNormalization" }
    public var parameterCount: Int { (gamma?.count ?? 0) + (beta?.count ?? 0) }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard let first = axes.first, first >= 1, axes.last! < shape.count, Set(axes).count == axes.count else {
            throw VizError("LayerNormalization axes \(axes) do not fit input \(ShapeCheck.describe(shape))")
        }
        let width = axes.map { shape[$0] }
        if !width.contains(where: { $0 < 0 }) {
            for parameter in [gamma, beta].compactMap({ $0 }) where parameter.count != width.reduce(1, *) {
                throw VizError("LayerNormalization has \(parameter.count) parameters for axes of sizes \(width)")
            }
        }
        return shape
    }

    /// The permutation that moves the normalised axes last, keeping the order of the others.
    private func rowOrder(rank: Int) -> [Int] {
        (0..<rank).filter { !axes.contains($0) } + axes
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let order = rowOrder(rank: inputs[0].rank)
        var rows = Transpose.apply(inputs[0], order)
        let width = axes.map { inputs[0].shape[$0] }.reduce(1, *)
        let (gamma, beta) = (self.gamma ?? [Float](repeating: 1, count: width), self.beta ?? [Float](repeating: 0, count: width))
        rows.scalars.withUnsafeMutableBufferPointer { values in
            let values = values
            forEachRow(count: values.count, width: width) { start in
                let row = values.baseAddress! + start
                let (mean, inverse) = statistics(UnsafeBufferPointer(start: row, count: width))
                for j in 0..<width { row[j] = (row[j] - mean) * inverse * gamma[j] + beta[j] }
            }
        }
        return Transpose.apply(rows, Transpose.inverse(order))
    }

    /// Calls `body(start)` for the start of every row of `width` values among `count`, rows spread over the cores.
    private func forEachRow(count: Int, width: Int, _ body: (Int) -> Void) {
        let rows = width > 0 ? count / width : 0
        let perTask = max(1, Elementwise.chunk / max(width, 1))
        Parallelism.forEach((rows + perTask - 1) / perTask) { task in
            for row in (task * perTask)..<min(rows, (task + 1) * perTask) { body(row * width) }
        }
    }

    /// Mean and 1/√(variance + ε) of one row.
    private func statistics(_ row: UnsafeBufferPointer<Float>) -> (mean: Float, inverse: Float) {
        let count = Float(row.count)
        let mean = row.reduce(0, +) / count
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        return (mean, 1 / (variance + epsilon).squareRoot())
    }

    /// With x̂ the normalised row and ĝ = g ⊙ γ: dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / √(variance + ε).
    public var gradientReads: GradientReads { .inputs(0) }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let order = rowOrder(rank: inputs[0].rank)
        let x = Transpose.apply(inputs[0], order)
        var g = Transpose.apply(outputGradient, order)
        let width = axes.map { inputs[0].shape[$0] }.reduce(1, *)
        let gamma = self.gamma ?? [Float](repeating: 1, count: width)
        x.scalars.withUnsafeBufferPointer { xValues in
            g.scalars.withUnsafeMutableBufferPointer { gValues in
                let gValues = gValues
                forEachRow(count: xValues.count, width: width) { start in
                    let (xRow, gRow) = (xValues.baseAddress! + start, gValues.baseAddress! + start)
                    let (mean, inverse) = statistics(UnsafeBufferPointer(start: xRow, count: width))
                    var meanG: Float = 0
                    var meanGX: Float = 0
                    for j in 0..<width {
                        let scaled = gRow[j] * gamma[j]
                        meanG += scaled
                        meanGX += scaled * (xRow[j] - mean) * inverse
                    }
                    meanG /= Float(width)
                    meanGX /= Float(width)
                    for j in 0..<width {
                        gRow[j] = (gRow[j] * gamma[j] - meanG - (xRow[j] - mean) * inverse * meanGX) * inverse
                    }
                }
            }
        }
        return [Transpose.apply(g, Transpose.inverse(order))]
    }
}
