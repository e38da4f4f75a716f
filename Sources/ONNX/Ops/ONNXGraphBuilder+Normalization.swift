import VizCore

/// BatchNormalization with its running statistics, as an affine map (exporters fold most of them
/// into the convolution before; the dynamo exporter without its optimiser leaves them).
extension ONNXGraphBuilder {
    static func batchNormalization(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        if try node.int("training_mode", default: 0) != 0 {
            throw node.unsupported("normalises with the statistics of the batch (training_mode = 1)")
        }
        let shape = builder.onnxShape(x.node, x.layout)
        guard shape.count >= 2, shape[1] > 0 else {
            throw node.error("needs an input with a known channel axis, got \(ShapeCheck.describe(shape))")
        }
        let channels = shape[1]
        var parameters: [Tensor] = []
        for (index, role) in ["scale", "bias", "mean", "variance"].enumerated() {
            let value = try builder.requiredConstant(node, index + 1, role)
            guard value.count == channels else {
                throw node.error("has a \(role) of \(value.count) values for \(channels) channels")
            }
            parameters.append(Tensor(shape: builder.channelParameterShape(channels, rank: shape.count, x.layout),
                                     scalars: value.floats))
        }
        let op = AffineOp.batchNormalization(mean: parameters[2], variance: parameters[3], gamma: parameters[0],
                                             beta: parameters[1], epsilon: try node.float("epsilon", default: 1e-5))
        return [.node(try builder.add(op, inputs: [x.node]), x.layout)]
    }

    /// The item shape (batch dropped) of a per-channel parameter for a value held in `layout`.
    func channelParameterShape(_ channels: Int, rank: Int, _ layout: Layout) -> [Int] {
        layout == .channelsLast ? [1, 1, channels] : [channels] + Array(repeating: 1, count: rank - 2)
    }
}
