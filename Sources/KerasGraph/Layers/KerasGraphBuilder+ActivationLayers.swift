import VizCore

/// The activation layers with parameters (`Activation` itself is with the core layers).
extension KerasGraphBuilder {
    func addReLU(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let maxValue = options.isSet("max_value") ? try options.float("max_value") : nil
        let op = ReLUOp(
            maxValue: maxValue, negativeSlope: try options.float("negative_slope", default: 0),
            threshold: try options.float("threshold", default: 0))
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    /// The slope is `alpha` in Keras 2 and `negative_slope` in Keras 3; both default to 0.3.
    func addLeakyReLU(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let slope = try options.float(options.isSet("negative_slope") ? "negative_slope" : "alpha", default: 0.3)
        return try addWeightless(ReLUOp(negativeSlope: slope, kind: "LeakyReLU"), layer, inputs: [try single(inputs, layer)])
    }

    /// `x` where x > θ, else 0.
    func addThresholdedReLU(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let op = ReLUOp(threshold: try layer.options.float("theta", default: 1), kind: "ThresholdedReLU")
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    func addELU(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(
            ELUOp(alpha: try layer.options.float("alpha", default: 1)), layer,
            inputs: [try single(inputs, layer)])
    }

    /// α has the item's shape with size 1 along `shared_axes`.
    func addPReLU(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let input = graph.nodes[try single(inputs, layer)].shape
        let shared = try layer.options.ints("shared_axes") ?? []
        let alphaShape = (1..<input.count).map { shared.contains($0) ? 1 : input[$0] }
        var stored = try weights.weights(ofLayer: layer.name)
        let alpha = try stored.take("alpha", shape: alphaShape)
        try stored.requireAllTaken()
        return try addNodes(
            PReLUOp(alpha: alpha), activation: .linear, inputs: inputs, layer: layer,
            parameterCount: stored.parameterCount)
    }

    func addSoftmax(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let input = graph.nodes[try single(inputs, layer)].shape
        let axes = try layer.options.axes("axis", rank: input.count)
        guard axes.count == 1 else {
            throw layer.options.error("normalises over several axes \(axes), which vizrun cannot run yet")
        }
        return try addWeightless(SoftmaxOp(axis: axes[0]), layer, inputs: inputs)
    }
}
