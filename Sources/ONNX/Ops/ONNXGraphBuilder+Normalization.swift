import VizCore

/// BatchNormalization with its running statistics, as an affine map (exporters fold most of them
/// into the convolution before; the dynamo exporter without its optimiser leaves them),
/// LayerNormalization and InstanceNormalization.
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
            parameters.append(
                Tensor(
                    shape: builder.channelParameterShape(channels, rank: shape.count, x.layout),
                    scalars: value.floats))
        }
        let op = AffineOp.batchNormalization(
            mean: parameters[2], variance: parameters[3], gamma: parameters[0],
            beta: parameters[1], epsilon: try node.float("epsilon", default: 1e-5))
        return [.node(try builder.add(op, inputs: [x.node]), x.layout)]
    }

    /// Normalises each item over the axes from `axis` on (ONNX's order; ConvNeXt permutes its images
    /// channels-last first, so the axis is the last one there).
    static func layerNormalization(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let shape = builder.onnxShape(x.node, x.layout)
        var axis = try node.int("axis", default: -1)
        if axis < 0 { axis += shape.count }
        guard axis >= 1, axis < shape.count else {
            throw node.unsupported("normalises from axis \(axis) of \(ShapeCheck.describe(shape)) (the batch axis stays apart)")
        }
        let width = ConstantTensor.count(of: shape[axis...].map { max($0, 1) }) ?? 0
        var parameters: [[Float]?] = []
        for (index, role) in [(1, "scale"), (2, "bias")] {
            let value =
                index == 1 ? try builder.requiredConstant(node, index, role) : try builder.constantInput(node, index, role)
            guard let value else {
                parameters.append(nil)
                continue
            }
            guard let row = ConstantTensor.broadcastShape(value.shape, Array(shape[axis...])), row == Array(shape[axis...]) else {
                throw node.unsupported("has a \(role) of shape \(value.shape) for normalised axes \(Array(shape[axis...]))")
            }
            parameters.append(value.count == width ? value.floats : value.broadcast(to: Array(shape[axis...])).floats)
        }
        let op = LayerNormOp(
            axes: Array(axis..<shape.count), gamma: parameters[0], beta: parameters[1],
            epsilon: try node.float("epsilon", default: 1e-5))
        return [.node(try builder.add(op, inputs: [try builder.onnxOrdered(x.node, x.layout)]), .onnx)]
    }

    /// Normalises each channel of each image over its height and width, then scales and shifts it
    /// per channel: a layer normalisation over the spatial axes, then an affine map.
    static func instanceNormalization(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let input = try builder.channelsLast(x.node, x.layout, for: node)
        let channels = builder.graph.nodes[input].shape[3]
        var parameters: [Tensor] = []
        for (index, role) in [(1, "scale"), (2, "bias")] {
            let value = try builder.requiredConstant(node, index, role)
            guard value.count == channels else {
                throw node.error("has a \(role) of \(value.count) values for \(channels) channels")
            }
            parameters.append(Tensor(shape: [1, 1, channels], scalars: value.floats))
        }
        let normalized = try builder.add(
            LayerNormOp(axes: [1, 2], gamma: nil, beta: nil, epsilon: try node.float("epsilon", default: 1e-5)),
            inputs: [input], suffix: "normalized")
        let op = AffineOp(scale: parameters[0], offset: parameters[1], kind: "InstanceNormalization")
        return [.node(try builder.add(op, inputs: [normalized]), .channelsLast)]
    }

    /// The item shape (batch dropped) of a per-channel parameter for a value held in `layout`.
    func channelParameterShape(_ channels: Int, rank: Int, _ layout: Layout) -> [Int] {
        layout == .channelsLast ? [1, 1, channels] : [channels] + Array(repeating: 1, count: rank - 2)
    }
}
