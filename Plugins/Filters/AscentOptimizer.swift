import Foundation
import VizCore

/// How the input moves along its gradient (Keras's update formulas for Adam and RMSprop, or PyTorch's Adam).
enum AscentOptimizer: Equatable {
    /// The book: `g /= sqrt(mean(g²)) + 1e-5` per item, `x += stepSize · g`.
    case normalized(stepSize: Float)
    /// The TensorFlow DeepDream tutorial: `g /= std(g) + 1e-8` per item, `x += stepSize · g`.
    case standardized(stepSize: Float)
    /// Keras `Adam` (β₁ 0.9, β₂ 0.999, ε 1e-7) maximising the objective.
    case adam(learningRate: Float)
    /// Keras `RMSprop` (ρ 0.9, ε 1e-7, no momentum, not centred) maximising the objective.
    case rmsprop(learningRate: Float)
    /// PyTorch's `torch.optim.Adam` (β₁ 0.9, β₂ 0.999, ε added after the bias corrections),
    /// lucent's optimiser: `optimizer: {adam: {lr, eps}}`.
    case torchAdam(learningRate: Float, epsilon: Float)

    static let names = ["normalized", "adam", "rmsprop", "standardized"]
}

/// The moments Adam and RMSprop keep between steps.
struct OptimizerState {
    var m: [Float]
    var v: [Float]
    var step = 0

    init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    /// The book's `g /= sqrt(mean(g²)) + 1e-5`, per batch item (a zero gradient stays zero).
    static func normalized(_ gradient: Tensor, batch: Int) -> Tensor {
        dividingItems(of: gradient, batch: batch) { item in
            var sum: Float = 0
            for g in item { sum += g * g }
            return (sum / Float(item.count)).squareRoot() + 1e-5
        }
    }

    /// `g /= reduce_std(g) + 1e-8` per batch item (the population deviation, as `tf.math.reduce_std`).
    static func standardized(_ gradient: Tensor, batch: Int) -> Tensor {
        dividingItems(of: gradient, batch: batch) { item in
            let mean = item.reduce(0.0) { $0 + Double($1) } / Double(item.count)
            let variance = item.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(item.count)
            return Float(variance.squareRoot()) + 1e-8
        }
    }

    /// Each batch item of `gradient` divided by `divisor` of its values.
    private static func dividingItems(of gradient: Tensor, batch: Int, by divisor: (ArraySlice<Float>) -> Float) -> Tensor {
        var out = gradient
        let itemSize = gradient.count / batch
        for b in 0..<batch {
            let range = (b * itemSize)..<((b + 1) * itemSize)
            let by = divisor(gradient.scalars[range])
            for i in range { out.scalars[i] = gradient.scalars[i] / by }
        }
        return out
    }

    /// One ascent step: `gradient` is d(objective)/dx, so the optimisers minimise its negative.
    mutating func update(_ x: inout Tensor, gradient: Tensor, optimizer: AscentOptimizer, batch: Int) {
        step += 1
        switch optimizer {
        case .normalized(let stepSize), .standardized(let stepSize):
            let scaled =
                optimizer == .normalized(stepSize: stepSize)
                ? Self.normalized(gradient, batch: batch) : Self.standardized(gradient, batch: batch)
            for i in x.scalars.indices { x.scalars[i] += scaled.scalars[i] * stepSize }
        case .adam(let learningRate):
            let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-7)
            let t = Float(step)
            let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
            for i in x.scalars.indices {
                let g = -gradient.scalars[i]
                m[i] += (g - m[i]) * (1 - beta1)
                v[i] += (g * g - v[i]) * (1 - beta2)
                x.scalars[i] -= m[i] * alpha / (v[i].squareRoot() + epsilon)
            }
        case .torchAdam(let learningRate, let epsilon):
            let (beta1, beta2): (Float, Float) = (0.9, 0.999)
            let t = Float(step)
            let (firstCorrection, secondCorrection) = (1 - pow(beta1, t), (1 - pow(beta2, t)).squareRoot())
            for i in x.scalars.indices {
                let g = -gradient.scalars[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                x.scalars[i] -= learningRate / firstCorrection * m[i] / (v[i].squareRoot() / secondCorrection + epsilon)
            }
        case .rmsprop(let learningRate):
            let (rho, epsilon): (Float, Float) = (0.9, 1e-7)
            for i in x.scalars.indices {
                let g = -gradient.scalars[i]
                v[i] = rho * v[i] + (1 - rho) * g * g
                x.scalars[i] -= learningRate * g / (v[i] + epsilon).squareRoot()
            }
        }
    }
}
