import Foundation
import VizCore

/// One term of a composed objective (Lucid's objectives), read from a layer's activations
/// (batch, height, width, channels) or the logits (batch, classes), times its weight. Terms of
/// one image are averaged over the batch, as lucent's are; `diversity` compares the batch's images.
struct ObjectiveTerm: Equatable {
    enum Kind: Equatable {
        /// `mean(a[b, :, :, index])`.
        case channel(Int)
        /// `a[b, y, x, index]`; the centre unit (height / 2, width / 2) when y and x are not given.
        case neuron(Int, y: Int?, x: Int?)
        /// `mean(a[b] · vector)` over positions and channels (Lucid's `direction`, lucent's `channel_weight`).
        case direction([Float])
        /// `logits[b, index]`.
        case classLogit(Int)
        /// `mean(a[b]²)`: DeepDream.
        case layer
        /// `−Σ_{i≠j} ⟨Ĝᵢ, Ĝⱼ⟩ / B`, Ĝ the Gram matrix of image i's activations over positions,
        /// divided by its Frobenius norm (lucent's `diversity`).
        case diversity
    }

    var kind: Kind
    /// The node the term reads and the layer it is named after.
    var node: Int
    var layer: String
    var weight: Float = 1

    static let names = ["channel", "neuron", "direction", "class", "layer", "diversity"]

    /// The weighted value of the term over the batch, and its gradient with respect to `a`.
    func evaluate(_ a: Tensor) throws -> (value: Double, gradient: Tensor) {
        let batch = a.shape[0]
        var gradient = Tensor(zeros: a.shape)
        if case .classLogit(let index) = kind {
            guard a.rank == 2, index < a.shape[1] else {
                throw VizError("the class objective needs (batch, classes) logits, got \(ShapeCheck.describe(a.shape))")
            }
            var value = 0.0
            for b in 0..<batch {
                value += Double(a.scalars[b * a.shape[1] + index])
                gradient.scalars[b * a.shape[1] + index] = weight / Float(batch)
            }
            return (Double(weight) * value / Double(batch), gradient)
        }
        guard a.rank == 4 else {
            throw VizError(
                "layer '\(layer)' has output \(ShapeCheck.describe(a.shape)); this objective needs (batch, height, width, channels)"
            )
        }
        let (height, width, channels) = (a.shape[1], a.shape[2], a.shape[3])
        let itemSize = height * width * channels
        if kind == .diversity { return Self.diversity(a, weight: weight) }
        var value = 0.0
        let scale = weight / Float(batch)
        for b in 0..<batch {
            let first = b * itemSize
            switch kind {
            case .channel(let index):
                for pixel in 0..<(height * width) {
                    value += Double(a.scalars[first + pixel * channels + index]) / Double(height * width)
                    gradient.scalars[first + pixel * channels + index] = scale / Float(height * width)
                }
            case .neuron(let index, let y, let x):
                let (row, column) = (y ?? height / 2, x ?? width / 2)
                guard row < height, column < width else {
                    throw VizError("neuron [\(row), \(column)] is outside layer '\(layer)''s \(height)x\(width) output")
                }
                let at = first + (row * width + column) * channels + index
                value += Double(a.scalars[at])
                gradient.scalars[at] = scale
            case .direction(let vector):
                for i in 0..<itemSize {
                    value += Double(a.scalars[first + i] * vector[i % channels]) / Double(itemSize)
                    gradient.scalars[first + i] = scale * vector[i % channels] / Float(itemSize)
                }
            case .layer:
                for i in 0..<itemSize {
                    let v = a.scalars[first + i]
                    value += Double(v * v) / Double(itemSize)
                    gradient.scalars[first + i] = scale * 2 * v / Float(itemSize)
                }
            case .classLogit, .diversity: break
            }
        }
        return (Double(weight) * value / Double(batch), gradient)
    }
}
