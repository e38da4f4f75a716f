import Foundation
import VizCore

/// Integrated Gradients (Sundararajan et al., 2017): `(x − x′) ⊙ ∫₀¹ ∂score/∂x(x′ + α(x − x′)) dα`,
/// the integral a weighted sum over `steps` points, computed at most `batch` interpolated inputs per
/// pass as Captum's `internal_batch_size`, in passes of equal size. By completeness the
/// attributions sum to `score(x) − score(x′)`; what they miss is the completeness error, recorded
/// with each map (`ArtifactMeasures`).
struct IntegratedGradients {
    /// Captum's names of the quadrature rules.
    enum Rule: String, CaseIterable {
        /// The trapezoid rule on `steps` evenly spaced points, ends included. Captum's
        /// `riemann_trapezoid` spaces its weights 1/steps instead of 1/(steps − 1), so that they sum
        /// to (steps − 1)/steps and its attributions come out that much short; vizrun's sum to 1.
        case riemannTrapezoid = "riemann_trapezoid"
        /// Gauss-Legendre nodes and weights scaled to [0, 1] (`np.polynomial.legendre.leggauss`).
        case gaussLegendre = "gausslegendre"
    }

    let model: Model
    let target: ClassScore
    let steps: Int
    let rule: Rule
    let batch: Int
    /// Called after each pass with the number of interpolated inputs it ran.
    var progress: (Int) -> Void = { _ in }

    /// Per class of `classes`: the attributions (1, H, W, C) for `input` (1, H, W, C) from `baseline`
    /// (the same shape), with `score(x) − score(x′)` and the completeness error
    /// `Σ attributions − (score(x) − score(x′))`.
    func attributions(input: Tensor, baseline: Tensor, classes: [Int]) throws -> [(
        attributions: Tensor, measures: ArtifactMeasures
    )] {
        let inputNode = model.graph.inputNodes[0]
        let difference = zip(input.scalars, baseline.scalars).map { $0 - $1 }
        var integrals = [[Double]](repeating: [Double](repeating: 0, count: input.count), count: classes.count)
        let points = Self.points(rule, steps: steps)
        // The scores first and the points in chunks of one size (25 + 25 for 50 steps in 32s, not
        // 32 + 18): every batch size oneDNN makes primitives and reorders kernels for then exists
        // before the first input's largest pass, so peak memory does not grow with the next input.
        let scores = try scoresAt([input, baseline], classes: classes)
        let chunks = (points.count + batch - 1) / batch
        let chunkSize = (points.count + chunks - 1) / chunks
        for start in stride(from: 0, to: points.count, by: chunkSize) {
            let chunk = points[start..<min(start + chunkSize, points.count)]
            var interpolated = [Float]()
            interpolated.reserveCapacity(chunk.count * input.count)
            for point in chunk {
                let alpha = Float(point.alpha)
                interpolated += zip(baseline.scalars, difference).map { $0 + alpha * $1 }
            }
            var pass = try ScoreGradients(
                model: model, target: target, batch: Tensor(shape: [chunk.count] + input.shape.dropFirst(), scalars: interpolated)
            )
            let ranks = classes.map { Array(repeating: $0, count: chunk.count) }
            try pass.forEachGradient(ranks, wrt: [inputNode]) { index, gradients in
                let gradients = gradients[inputNode]!
                for (offset, point) in chunk.enumerated() {
                    let base = offset * input.count
                    for i in 0..<input.count { integrals[index][i] += point.weight * Double(gradients.scalars[base + i]) }
                }
            }
            progress(chunk.count)
        }
        return classes.indices.map { index in
            let attributions = Tensor(
                shape: input.shape, scalars: zip(integrals[index], difference).map { Float($0 * Double($1)) })
            let total = attributions.scalars.reduce(0.0) { $0 + Double($1) }
            let difference = Double(scores[index][0]) - Double(scores[index][1])
            return (attributions, ArtifactMeasures(completenessError: total - difference, scoreDifference: difference))
        }
    }

    /// The score of each class at each of `points`.
    private func scoresAt(_ points: [Tensor], classes: [Int]) throws -> [[Float]] {
        let pass = try ScoreGradients(model: model, target: target, batch: Tensor.concatenatingBatches(points), keeping: [])
        return classes.map { pass.scores(classes: Array(repeating: $0, count: points.count)) }
    }

    /// The rule's α in [0, 1] and weight per point; the weights sum to 1.
    static func points(_ rule: Rule, steps: Int) -> [(alpha: Double, weight: Double)] {
        switch rule {
        case .riemannTrapezoid:
            let step = 1 / Double(steps - 1)
            return (0..<steps).map { i in (Double(i) * step, i == 0 || i == steps - 1 ? step / 2 : step) }
        case .gaussLegendre:
            return gaussLegendre(steps).map { (0.5 * (1 + $0.node), 0.5 * $0.weight) }
        }
    }

    /// Gauss-Legendre nodes on [−1, 1] (ascending) and their weights: Newton's method on the
    /// Legendre polynomial Pₙ from the usual first guesses (Numerical Recipes' `gauleg`).
    static func gaussLegendre(_ n: Int) -> [(node: Double, weight: Double)] {
        var result = [(node: Double, weight: Double)](repeating: (0, 0), count: n)
        for i in 0..<((n + 1) / 2) {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var (p1, p2) = (1.0, 0.0)
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = ((2 * Double(j) - 1) * z * p2 - (Double(j) - 1) * p3) / Double(j)
                }
                derivative = Double(n) * (z * p1 - p2) / (z * z - 1)
                let previous = z
                z = previous - p1 / derivative
                if abs(z - previous) < 1e-15 { break }
            }
            let weight = 2 / ((1 - z * z) * derivative * derivative)
            result[i] = (-z, weight)
            result[n - 1 - i] = (z, weight)
        }
        return result
    }
}
