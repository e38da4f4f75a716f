import VizCore

/// Elementwise activations and functions, Clip, Softmax, and the ops that pass their input through
/// at inference.
extension ONNXGraphBuilder {
    /// Ops that map to one engine activation with no attribute to read.
    static let plainActivations: [String: ActivationFunction] = [
        "Relu": .relu, "Sigmoid": .sigmoid, "Tanh": .tanh, "Softplus": .softplus, "HardSwish": .hardSilu,
        "Exp": .exponential,
    ]

    static func activation(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try builder.elementwise(node, ActivationOp(plainActivations[node.opType]!))
    }

    /// Elementwise functions that are not activations (exporters write GELU as Erf before opset 20).
    static let mathFunctions: [String: MathFunctionOp.Function] = [
        "Sqrt": .sqrt, "Log": .log, "Abs": .abs, "Reciprocal": .reciprocal, "Erf": .erf,
    ]

    static func mathFunction(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try builder.elementwise(node, MathFunctionOp(mathFunctions[node.opType]!))
    }

    /// `op` on the node's first input, kept in whatever layout it is held (the op acts elementwise or
    /// along an axis already translated).
    func unary(_ node: ONNXNode, _ op: Op) throws -> [Value] {
        let x = try dynamicInput(node)
        return [.node(try add(op, inputs: [x.node]), x.layout)]
    }

    /// An elementwise `op` on the node's first input; on a constant, applied when the model loads.
    func elementwise(_ node: ONNXNode, _ op: Op) throws -> [Value] {
        guard case .constant(let constant)? = try input(node, 0) else { return try unary(node, op) }
        return [.constant(ConstantTensor(shape: constant.shape, floats: op.forward([constant.tensor]).scalars))]
    }

    static func leakyRelu(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try builder.unary(node, ReLUOp(negativeSlope: try node.float("alpha", default: 0.01), kind: "LeakyRelu"))
    }

    static func elu(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try builder.unary(node, ELUOp(alpha: try node.float("alpha", default: 1)))
    }

    static func gelu(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        switch try node.string("approximate", default: "none") {
        case "none": return try builder.unary(node, ActivationOp(.gelu))
        case "tanh": return try builder.unary(node, ActivationOp(.geluTanh))
        case let other: throw node.error("has approximate '\(other)'; ONNX defines 'none' and 'tanh'")
        }
    }

    /// `clip(α·x + β, 0, 1)`: an affine step, then a clip.
    static func hardSigmoid(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let scaled = try builder.add(
            builder.scalarAffine(
                x.node, scale: try node.float("alpha", default: 0.2),
                offset: try node.float("beta", default: 0.5), kind: "HardSigmoid"),
            inputs: [x.node], suffix: "affine")
        return [.node(try builder.add(ClipOp(minimum: 0, maximum: 1), inputs: [scaled]), x.layout)]
    }

    static func neg(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        if case .constant(let constant)? = try builder.input(node, 0) {
            return [
                .constant(
                    constant.isInteger
                        ? ConstantTensor(shape: constant.shape, integers: constant.integers.map { 0 &- $0 })
                        : ConstantTensor(shape: constant.shape, floats: constant.floats.map { -$0 }))
            ]
        }
        let x = try builder.dynamicInput(node)
        return try builder.unary(node, builder.scalarAffine(x.node, scale: -1, offset: 0, kind: "Neg"))
    }

    /// `x · scale + offset` with one scale and one offset for every element of `x`.
    private func scalarAffine(_ x: Int, scale: Float, offset: Float, kind: String) -> AffineOp {
        let unit = [Int](repeating: 1, count: graph.nodes[x].shape.count - 1)
        return AffineOp(scale: Tensor(shape: unit, scalars: [scale]), offset: Tensor(shape: unit, scalars: [offset]), kind: kind)
    }

    /// A learned slope per channel (PyTorch's `nn.PReLU`), or any shape that broadcasts to an item.
    static func prelu(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let slope = try builder.requiredConstant(node, 1, "slope")
        return try builder.unary(node, PReLUOp(alpha: try builder.itemParameter(slope, for: x.node, x.layout, node)))
    }

    /// SELU with ONNX's default constants, which are PyTorch's.
    static func selu(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let (alpha, gamma) = (try node.float("alpha", default: 1.6732632), try node.float("gamma", default: 1.050701))
        guard abs(alpha - 1.6732632) < 1e-6, abs(gamma - 1.050701) < 1e-6 else {
            throw node.unsupported("has alpha \(alpha) and gamma \(gamma), not SELU's own constants")
        }
        return try builder.unary(node, ActivationOp(.selu))
    }

    /// Bounds are attributes before opset 11 and optional inputs from it on (`ReLU6` exports as Clip(0, 6)).
    static func clip(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        var bounds: [Float] = [-.infinity, .infinity]
        if node.opset < 11 {
            bounds = [try node.float("min", default: -.infinity), try node.float("max", default: .infinity)]
        } else {
            for (index, role) in [(1, "minimum"), (2, "maximum")] {
                guard let bound = try builder.constantInput(node, index, role) else { continue }
                guard bound.count == 1 else { throw node.error("has a \(role) of shape \(bound.shape), expected one value") }
                bounds[index - 1] = bound.floats[0]
            }
        }
        return try builder.unary(node, ClipOp(minimum: bounds[0], maximum: bounds[1]))
    }

    /// Identity and Dropout (an identity at inference): constants stay constants.
    static func passThrough(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        if case .constant(let constant)? = try builder.input(node, 0) { return [.constant(constant)] }
        return try builder.unary(node, IdentityOp(kind: node.opType))
    }

    /// Softmax and LogSoftmax along one axis. Before opset 13 ONNX flattened
    /// the input to 2-D at `axis` (default 1) and normalised each row; that is one axis when the axes
    /// after it have size 1.
    static func softmax(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let shape = builder.onnxShape(x.node, x.layout)
        let rank = shape.count
        var axis = try node.int("axis", default: node.opset < 13 ? 1 : -1)
        guard axis >= -rank, axis < rank else { throw node.error("has axis \(axis) for a rank-\(rank) input") }
        if axis < 0 { axis += rank }
        if node.opset < 13, !shape[(axis + 1)...].allSatisfy({ $0 == 1 }) {
            throw node.unsupported("normalises over axes \(axis)… of \(ShapeCheck.describe(shape)) at once (opset \(node.opset))")
        }
        guard axis > 0 else { throw node.unsupported("normalises along the batch axis") }
        return try builder.unary(node, SoftmaxOp(axis: builder.engineAxis(axis, x.layout), log: node.opType == "LogSoftmax"))
    }

    /// ONNX axis `axis` of a value held in `layout`, as the axis of the engine's tensor.
    func engineAxis(_ axis: Int, _ layout: Layout) -> Int {
        layout == .channelsLast ? [0, 3, 1, 2][axis] : axis
    }
}
