import Foundation
import VizCore

/// What one batch item maximises, as a function of the target node's output.
enum Objective: Equatable {
    /// `mean(output[b, :, :, unit])`: the book's filter loss.
    case channel
    /// `output[b, y, x, unit]`: one neuron of the feature map.
    case neuron(y: Int, x: Int)
    /// `output[b, unit]` of a 2-D output: a class score (logit or probability).
    case unit

    /// d(sum over items of the objective)/d(output): one seed for the whole batch.
    func seed(outputShape shape: [Int], units: [Int]) throws -> Tensor {
        var seed = Tensor(zeros: shape)
        let batch = shape[0]
        precondition(units.count == batch)
        switch self {
        case .channel:
            guard shape.count == 4 else {
                throw VizError("the channel objective needs a 4-D layer output, got \(ShapeCheck.describe(shape))")
            }
            let (height, width, channels) = (shape[1], shape[2], shape[3])
            let weight = 1 / Float(height * width)
            for b in 0..<batch {
                for pixel in 0..<(height * width) { seed.scalars[(b * height * width + pixel) * channels + units[b]] = weight }
            }
        case .neuron(let y, let x):
            guard shape.count == 4 else {
                throw VizError("the neuron objective needs a 4-D layer output, got \(ShapeCheck.describe(shape))")
            }
            let (height, width, channels) = (shape[1], shape[2], shape[3])
            guard y >= 0, y < height, x >= 0, x < width else {
                throw VizError("neuron [\(y), \(x)] is outside the layer's \(height)x\(width) output")
            }
            for b in 0..<batch { seed.scalars[((b * height + y) * width + x) * channels + units[b]] = 1 }
        case .unit:
            guard shape.count == 2 else {
                throw VizError("the class objective needs a 2-D output, got \(ShapeCheck.describe(shape))")
            }
            for b in 0..<batch { seed.scalars[b * shape[1] + units[b]] = 1 }
        }
        return seed
    }
}

/// Penalties subtracted from every item's objective (tf-keras-vis's definitions: per item, divided
/// by the item's element count).
struct Regularizers: Equatable {
    /// `weight · Σ|x[y+1,x]−x[y,x]| + |x[y,x+1]−x[y,x]|  / (H·W·C)` (`tf.image.total_variation`).
    var totalVariation: Float = 0
    /// `weight · ‖x‖_p / N^(1/p)`, N = H·W·C (the p-mean of |x|).
    var normWeight: Float = 0
    var normP: Float = 2

    var isEmpty: Bool { totalVariation == 0 && normWeight == 0 }

    /// The penalty of one item (H, W, C), weights included.
    static func totalVariation(_ x: UnsafeBufferPointer<Float>, height: Int, width: Int, channels: Int) -> Double {
        var sum = 0.0
        for y in 0..<height {
            for xx in 0..<width {
                for c in 0..<channels {
                    let here = x[(y * width + xx) * channels + c]
                    if y + 1 < height { sum += Double(abs(x[((y + 1) * width + xx) * channels + c] - here)) }
                    if xx + 1 < width { sum += Double(abs(x[(y * width + xx + 1) * channels + c] - here)) }
                }
            }
        }
        return sum / Double(height * width * channels)
    }

    /// Adds `scale · d(TV)/dx` of one item to `gradient`.
    static func addTotalVariationGradient(
        _ x: UnsafeBufferPointer<Float>, into gradient: UnsafeMutableBufferPointer<Float>,
        scale: Float, height: Int, width: Int, channels: Int
    ) {
        let s = scale / Float(height * width * channels)
        func sign(_ v: Float) -> Float { v > 0 ? 1 : (v < 0 ? -1 : 0) }
        for y in 0..<height {
            for xx in 0..<width {
                for c in 0..<channels {
                    let i = (y * width + xx) * channels + c
                    if y + 1 < height {
                        let j = ((y + 1) * width + xx) * channels + c
                        let d = sign(x[j] - x[i]) * s
                        gradient[j] += d
                        gradient[i] -= d
                    }
                    if xx + 1 < width {
                        let j = i + channels
                        let d = sign(x[j] - x[i]) * s
                        gradient[j] += d
                        gradient[i] -= d
                    }
                }
            }
        }
    }

    /// `‖x‖_p / N^(1/p)`: the norm of the item over the same norm of an all-ones item.
    static func norm(_ x: UnsafeBufferPointer<Float>, p: Float) -> Double {
        let p = Double(p)
        let sum = x.reduce(0.0) { $0 + pow(Double(abs($1)), p) }
        return pow(sum / Double(x.count), 1 / p)
    }

    /// Adds `scale · d(‖x‖_p / N^(1/p))/dx` of one item to `gradient` (zero where the norm is zero).
    static func addNormGradient(
        _ x: UnsafeBufferPointer<Float>, into gradient: UnsafeMutableBufferPointer<Float>,
        scale: Float, p: Float
    ) {
        let p = Double(p)
        let norm = pow(x.reduce(0.0) { $0 + pow(Double(abs($1)), p) }, 1 / p)
        guard norm > 0 else { return }
        let factor = Double(scale) * pow(norm, 1 - p) / pow(Double(x.count), 1 / p)
        for i in x.indices {
            let v = Double(x[i])
            guard v != 0 else { continue }
            gradient[i] += Float(factor * pow(abs(v), p - 1) * (v > 0 ? 1 : -1))
        }
    }

    /// The total penalty of each item of a (B, H, W, C) batch.
    func values(_ x: Tensor) -> [Double] {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let itemSize = height * width * channels
        return x.scalars.withUnsafeBufferPointer { all in
            (0..<batch).map { b in
                let item = UnsafeBufferPointer(rebasing: all[(b * itemSize)..<((b + 1) * itemSize)])
                var value = 0.0
                if totalVariation != 0 {
                    value += Double(totalVariation) * Self.totalVariation(item, height: height, width: width, channels: channels)
                }
                if normWeight != 0 { value += Double(normWeight) * Self.norm(item, p: normP) }
                return value
            }
        }
    }

    /// Subtracts d(penalty)/dx from the objective's gradient (the penalty is subtracted from it).
    func apply(to gradient: inout Tensor, at x: Tensor) {
        guard !isEmpty else { return }
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let itemSize = height * width * channels
        x.scalars.withUnsafeBufferPointer { all in
            gradient.scalars.withUnsafeMutableBufferPointer { grads in
                for b in 0..<batch {
                    let range = (b * itemSize)..<((b + 1) * itemSize)
                    let item = UnsafeBufferPointer(rebasing: all[range])
                    let target = UnsafeMutableBufferPointer(rebasing: grads[range])
                    if totalVariation != 0 {
                        Self.addTotalVariationGradient(
                            item, into: target, scale: -totalVariation,
                            height: height, width: width, channels: channels)
                    }
                    if normWeight != 0 { Self.addNormGradient(item, into: target, scale: -normWeight, p: normP) }
                }
            }
        }
    }
}

/// Gradient ascent on the input for a batch of items at once: item b maximises the objective of
/// unit `units[b]` of the target node, so one backward pass gives every item's gradient.
struct Ascent {
    let graph: Graph
    let inputNode: Int
    let targetNode: Int
    var objective: Objective = .channel
    /// When set, replaces `objective` and `targetNode`: every item maximises the composed total.
    var composed: ComposedObjective?
    var optimizer: AscentOptimizer = .normalized(stepSize: 1)
    var regularizers = Regularizers()
    var modifiers = Modifiers()
    var transforms: TransformChain?
    var steps = 40
    var imageMaker = ImageMaker.pixel
    /// Where the pixels are clipped to after every step (DeepDream's valid input range); nil: nowhere.
    var clip: ChannelRange?

    /// A range of values per input channel.
    struct ChannelRange: Equatable {
        var low: [Float]
        var high: [Float]

        /// `x` (…, C) with channel c clipped to `low[c]…high[c]`.
        func apply(to x: inout Tensor) {
            let channels = low.count
            for i in x.scalars.indices { x.scalars[i] = min(max(x.scalars[i], low[i % channels]), high[i % channels]) }
        }
    }

    /// Per item: whether the total gradient was zero at every step (the pattern never moved).
    struct Result {
        /// The last step's parameters: the pixels, or a drawn image's (the `fft` spectra, the `laplacian` levels).
        var parameters: Tensor
        /// The last step's inputs (B, H, W, C).
        var patterns: Tensor
        /// With `fft` or `laplacian`: the valid 0…1 pictures the patterns were made from.
        var pictures: Tensor?
        var dead: [Bool]
        /// Whether only the objective's gradient was zero throughout (a regulariser still moved it).
        var objectiveDead: [Bool]
    }

    /// d(objective_b)/d(x_b) for every item, through the transforms and modifiers (their
    /// transposes bring it back).
    func objectiveGradient(_ x: Tensor, units: [Int], generator: inout SeededGenerator) throws -> Tensor {
        let (transformed, pullback) = transforms?.apply(x, generator: &generator) ?? (x, { $0 })
        let draw = modifiers.draw(using: &generator)
        let modified = modifiers.apply(draw, to: transformed)
        var trace = try graph.trace([modified], upTo: composed?.nodes ?? [targetNode])
        let seeds: [Int: Tensor]
        if let composed {
            seeds = try composed.evaluate(trace.value).seeds
        } else {
            guard let output = trace.value(targetNode) else { throw VizError("the forward pass did not reach the layer") }
            seeds = [targetNode: try objective.seed(outputShape: output.shape, units: units)]
        }
        let gradient = try trace.lastGradients(seeds: seeds, wrt: [inputNode])[inputNode]!
        return pullback(modifiers.adjoint(draw, of: gradient))
    }

    /// The objective of each item (without modifiers), for tests and logs.
    func objectiveValues(_ x: Tensor, units: [Int]) throws -> [Float] {
        let output = try graph.evaluate([x], targets: [targetNode])[targetNode]!
        let seed = try objective.seed(outputShape: output.shape, units: units)
        let itemSize = output.count / output.shape[0]
        return (0..<output.shape[0]).map { b in
            (0..<itemSize).reduce(Float(0)) { $0 + output.scalars[b * itemSize + $1] * seed.scalars[b * itemSize + $1] }
        }
    }

    /// Runs `steps` steps from `start`, the parameters (the pixels (B, H, W, C), or a drawn
    /// image's); `onStep(step, picture)` is called after each (1-based) with what the step made:
    /// the pixels, or with a drawn image the valid 0…1 picture.
    func run(start: Tensor, units: [Int], seed: UInt64 = 0, onStep: (Int, Tensor) -> Void = { _, _ in }) throws -> Result {
        precondition(start.shape[0] == units.count)
        var parameters = start
        var image = imageMaker.image(parameters)
        var generator = SeededGenerator(seed: seed)
        var state = OptimizerState(count: parameters.count)
        let batch = units.count
        var dead = [Bool](repeating: true, count: batch)
        var objectiveDead = [Bool](repeating: true, count: batch)
        for step in stride(from: 1, through: steps, by: 1) {
            var gradient = try objectiveGradient(image.input, units: units, generator: &generator)
            Self.markNonzero(gradient, in: &objectiveDead)
            regularizers.apply(to: &gradient, at: image.input)
            Self.markNonzero(gradient, in: &dead)
            state.update(
                &parameters, gradient: imageMaker.parameterGradient(gradient, at: image), optimizer: optimizer, batch: batch)
            clip?.apply(to: &parameters)
            image = imageMaker.image(parameters)
            onStep(step, image.rgb ?? image.input)
        }
        return Result(
            parameters: parameters, patterns: image.input, pictures: image.rgb, dead: dead, objectiveDead: objectiveDead)
    }

    private static func markNonzero(_ gradient: Tensor, in flags: inout [Bool]) {
        let itemSize = gradient.count / flags.count
        for b in flags.indices where flags[b] {
            for i in (b * itemSize)..<((b + 1) * itemSize) where gradient.scalars[i] != 0 {
                flags[b] = false
                break
            }
        }
    }
}
