import Foundation
import VizCore

extension ObjectiveTerm {
    /// lucent's `diversity`: per image the Gram matrix G = Fᵀ F of its (positions × channels)
    /// activations, normalised `Ĝ = G / max(‖G‖, 1e-12)`; the value `−Σ_{i≠j} ⟨Ĝᵢ, Ĝⱼ⟩ / B` and its gradient.
    static func diversity(_ a: Tensor, weight: Float) -> (value: Double, gradient: Tensor) {
        let (batch, positions, channels) = (a.shape[0], a.shape[1] * a.shape[2], a.shape[3])
        let itemSize = positions * channels
        func item(_ b: Int) -> ArraySlice<Float> { a.scalars[(b * itemSize)..<((b + 1) * itemSize)] }
        // Gram matrices in Double: G[c, d] = Σ_p F[p, c] F[p, d].
        let grams: [[Double]] = (0..<batch).map { b in
            let f = Array(item(b))
            var g = [Double](repeating: 0, count: channels * channels)
            for p in 0..<positions {
                for c in 0..<channels {
                    let fc = Double(f[p * channels + c])
                    guard fc != 0 else { continue }
                    for d in 0..<channels { g[c * channels + d] += fc * Double(f[p * channels + d]) }
                }
            }
            return g
        }
        let norms = grams.map { max($0.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12) }
        let normalized = zip(grams, norms).map { g, n in g.map { $0 / n } }
        let total = (0..<channels * channels).map { k in normalized.reduce(0) { $0 + $1[k] } }
        var value = 0.0
        for i in 0..<batch {
            for k in 0..<(channels * channels) { value += normalized[i][k] * (total[k] - normalized[i][k]) }
        }
        value = -value / Double(batch)
        // d(value)/d(Ĝᵢ) = −2 Σ_{j≠i} Ĝⱼ / B; through the normalisation, then G = Fᵀ F.
        var gradient = Tensor(zeros: a.shape)
        for i in 0..<batch {
            let upstream = (0..<(channels * channels)).map { k in -2 * (total[k] - normalized[i][k]) / Double(batch) }
            let projection = zip(upstream, normalized[i]).reduce(0) { $0 + $1.0 * $1.1 }
            let gramGradient = (0..<(channels * channels)).map { k in
                norms[i] > 1e-12 ? (upstream[k] - projection * normalized[i][k]) / norms[i] : upstream[k] / 1e-12
            }
            let f = Array(item(i))
            for p in 0..<positions {
                for c in 0..<channels {
                    // dG[c, d]/dF[p, e] gives (G' + G'ᵀ) F.
                    var sum = 0.0
                    for d in 0..<channels {
                        sum += (gramGradient[c * channels + d] + gramGradient[d * channels + c]) * Double(f[p * channels + d])
                    }
                    gradient.scalars[i * itemSize + p * channels + c] = weight * Float(sum)
                }
            }
        }
        return (Double(weight) * value, gradient)
    }
}
