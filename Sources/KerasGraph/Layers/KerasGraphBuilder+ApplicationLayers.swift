import VizCore

/// Layers that Keras Applications define for themselves, not in `keras.layers`, which vizrun knows
/// so that those architectures load.
extension KerasGraphBuilder {
    /// ConvNeXt's `LayerScale`: `x · γ`, one γ per channel (`projection_dim` of them). tf.keras names
    /// the weight `gamma`; Keras 3 gives it no name, so it is stored as `variable_<n>`.
    func addLayerScale(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let input = graph.nodes[try single(inputs, layer)].shape
        let channels = try layer.options.int("projection_dim")
        var stored = try weights.weights(ofLayer: layer.name)
        let gamma = try stored.takeSole("gamma", shape: [channels])
        try stored.requireAllTaken()
        let parameterShape = Array(repeating: 1, count: input.count - 2) + [channels]
        let op = AffineOp(scale: gamma.reshaped(parameterShape), offset: Tensor(zeros: parameterShape), kind: "LayerScale")
        return try addNodes(op, activation: .linear, inputs: inputs, layer: layer, parameterCount: stored.parameterCount)
    }
}
