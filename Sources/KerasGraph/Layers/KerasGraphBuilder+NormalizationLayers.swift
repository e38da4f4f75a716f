import Foundation
import VizCore

/// Normalisation and preprocessing layers. Those that are affine at inference (batch norm,
/// `Normalization`, `Rescaling`) fold into one `AffineOp` with parameters shaped like the input
/// item, size 1 along the axes they do not vary over.
extension KerasGraphBuilder {
    /// The item shape (no batch axis) of a parameter that varies along `axes` of `input`.
    private func parameterShape(_ input: [Int], axes: [Int]) -> [Int] {
        (1..<input.count).map { axes.contains($0) ? input[$0] : 1 }
    }

    // MARK: - BatchNormalization

    func addBatchNormalization(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let input = graph.nodes[try single(inputs, layer)].shape
        let axes = try options.axes("axis", rank: input.count)
        let statisticsShape = axes.map { input[$0] }
        var stored = try weights.weights(ofLayer: layer.name)
        // Stored in Keras's creation order: gamma, beta, moving mean, moving variance.
        let gamma = try options.bool("scale", default: true) ? try stored.take("gamma", shape: statisticsShape) : nil
        let beta = try options.bool("center", default: true) ? try stored.take("beta", shape: statisticsShape) : nil
        let mean = try stored.take("moving_mean", shape: statisticsShape)
        let variance = try stored.take("moving_variance", shape: statisticsShape)
        try stored.requireAllTaken()
        let itemShape = parameterShape(input, axes: axes)
        let op = AffineOp.batchNormalization(
            mean: mean.reshaped(itemShape), variance: variance.reshaped(itemShape),
            gamma: gamma?.reshaped(itemShape), beta: beta?.reshaped(itemShape),
            epsilon: try options.float("epsilon", default: 1e-3))
        return try addNodes(op, activation: .linear, inputs: inputs, layer: layer, parameterCount: stored.parameterCount)
    }

    // MARK: - LayerNormalization

    func addLayerNormalization(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        guard try !options.bool("rms_scaling", default: false) else {
            throw options.error("uses rms_scaling, which vizrun cannot run yet")
        }
        let input = graph.nodes[try single(inputs, layer)].shape
        let axes = try options.axes("axis", rank: input.count)
        let parameterShape = axes.map { input[$0] }
        var stored = try weights.weights(ofLayer: layer.name)
        let gamma = try options.bool("scale", default: true) ? try stored.take("gamma", shape: parameterShape) : nil
        let beta = try options.bool("center", default: true) ? try stored.take("beta", shape: parameterShape) : nil
        try stored.requireAllTaken()
        let op = LayerNormOp(
            axes: axes, gamma: gamma?.scalars, beta: beta?.scalars,
            epsilon: try options.float("epsilon", default: 1e-3))
        return try addNodes(op, activation: .linear, inputs: inputs, layer: layer, parameterCount: stored.parameterCount)
    }

    // MARK: - Preprocessing

    /// `(x − mean) / max(√variance, 1e-7)`, or with `invert` `mean + x · max(√variance, 1e-7)`; the
    /// statistics come from the config when it lists them, else from the weights (an adapted layer).
    func addNormalization(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let input = graph.nodes[try single(inputs, layer)].shape
        // axis null: one mean and variance for everything.
        let axes = options.values["axis"] is NSNull ? [] : try options.axes("axis", rank: input.count)
        let statisticsShape = axes.map { input[$0] }
        var stored = try weights.weights(ofLayer: layer.name)
        let mean: [Float]
        let variance: [Float]
        if let inlineMean = try options.floats("mean"), let inlineVariance = try options.floats("variance") {
            (mean, variance) = (inlineMean, inlineVariance)
        } else {
            mean = try stored.take("mean", shape: statisticsShape).scalars
            variance = try stored.take("variance", shape: statisticsShape).scalars
            _ = try stored.take("count", shape: [])
        }
        try stored.requireAllTaken()
        let size = statisticsShape.reduce(1, *)
        guard mean.count == variance.count, mean.count == 1 || mean.count == size else {
            throw options.error(
                "has \(mean.count) means and \(variance.count) variances for axes of sizes "
                    + "\(statisticsShape)")
        }
        let itemShape = mean.count == 1 ? Array(repeating: 1, count: input.count - 1) : parameterShape(input, axes: axes)
        let invert = try options.bool("invert", default: false)
        let deviation = variance.map { max($0.squareRoot(), 1e-7) }
        let scale = invert ? deviation : deviation.map { 1 / $0 }
        let offset = invert ? mean : zip(mean, scale).map { -$0 * $1 }
        let op = AffineOp(
            scale: Tensor(shape: itemShape, scalars: scale), offset: Tensor(shape: itemShape, scalars: offset),
            kind: "Normalization")
        return try addNodes(op, activation: .linear, inputs: inputs, layer: layer, parameterCount: stored.parameterCount)
    }

    /// `x · scale + offset`, each a number or one value per channel.
    func addRescaling(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let input = graph.nodes[try single(inputs, layer)].shape
        let scale = try options.floats("scale") ?? [1]
        let offset = try options.floats("offset") ?? [0]
        func parameter(_ values: [Float]) throws -> Tensor {
            guard values.count == 1 || values.count == input.last! else {
                throw options.error("has \(values.count) scale or offset values for \(input.last!) channels")
            }
            return Tensor(shape: Array(repeating: 1, count: input.count - 2) + [values.count], scalars: values)
        }
        let op = AffineOp(scale: try parameter(scale), offset: try parameter(offset), kind: "Rescaling")
        return try addWeightless(op, layer, inputs: inputs)
    }
}
