import VizCore

/// Add, Sub, Mul and Div (folded when both operands are constants, an affine map when one is, a
/// merge when neither is), Pow by a constant exponent, and the matrix products Gemm and MatMul
/// (with constant weights, or of two run-time values).
extension ONNXGraphBuilder {
    static func arithmetic(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let operation = ConstantTensor.Arithmetic(rawValue: node.opType)!
        guard node.inputs.count == 2 else { throw node.error("needs two inputs, got \(node.inputs.count)") }
        let (a, b) = (try builder.input(node, 0), try builder.input(node, 1))
        switch (a, b) {
        case (.constant(let x)?, .constant(let y)?):
            guard let result = ConstantTensor.combine(x, y, operation) else {
                throw node.error(
                    "combines constants of shapes \(x.shape) and \(y.shape), which do not broadcast, "
                        + "make too many values, or divide integers by zero")
            }
            return [.constant(result)]
        case (.node(let x, let layout)?, .constant(let y)?):
            return try builder.affine(node, x, layout, y, operation, constantFirst: false)
        case (.constant(let x)?, .node(let y, let layout)?):
            return try builder.affine(node, y, layout, x, operation, constantFirst: true)
        case (.node(let x, let xLayout)?, .node(let y, let yLayout)?):
            return try builder.merge(node, (x, xLayout), (y, yLayout), operation)
        default:
            throw node.error("lacks an input")
        }
    }

    /// `x ∘ c` or `c ∘ x` as `x · scale + offset`, with the constant broadcast to the item.
    private func affine(
        _ node: ONNXNode, _ x: Int, _ layout: Layout, _ constant: ConstantTensor,
        _ operation: ConstantTensor.Arithmetic, constantFirst: Bool
    ) throws -> [Value] {
        let parameter = try itemParameter(constant, for: x, layout, node)
        let ones = Tensor(shape: parameter.shape, repeating: 1)
        let zeros = Tensor(zeros: parameter.shape)
        let negated = Tensor(shape: parameter.shape, scalars: parameter.scalars.map { -$0 })
        let (scale, offset): (Tensor, Tensor)
        switch (operation, constantFirst) {
        case (.add, _): (scale, offset) = (ones, parameter)
        case (.multiply, _): (scale, offset) = (parameter, zeros)
        case (.subtract, false): (scale, offset) = (ones, negated)
        case (.subtract, true): (scale, offset) = (Tensor(shape: parameter.shape, repeating: -1), parameter)
        case (.divide, false):
            (scale, offset) = (Tensor(shape: parameter.shape, scalars: parameter.scalars.map { 1 / $0 }), zeros)
        case (.divide, true):
            // c / x: the reciprocal of x, scaled.
            let reciprocal = try add(MathFunctionOp(.reciprocal), inputs: [x], suffix: "reciprocal")
            return [.node(try add(AffineOp(scale: parameter, offset: zeros, kind: node.opType), inputs: [reciprocal]), layout)]
        }
        return [.node(try add(AffineOp(scale: scale, offset: offset, kind: node.opType), inputs: [x]), layout)]
    }

    /// A constant operand as a parameter shaped like one item of `x` in its engine layout (each
    /// axis 1 or the item's), or an error when it varies along the batch or does not broadcast.
    func itemParameter(_ constant: ConstantTensor, for x: Int, _ layout: Layout, _ node: ONNXNode) throws -> Tensor {
        let shape = onnxShape(x, layout)
        guard constant.shape.count <= shape.count else {
            throw node.unsupported(
                "broadcasts a constant of shape \(constant.shape) to a lower-rank value \(ShapeCheck.describe(shape))")
        }
        let padded = Array(repeating: 1, count: shape.count - constant.shape.count) + constant.shape
        guard padded[0] == 1, zip(padded, shape).allSatisfy({ $0 == 1 || $0 == $1 || $1 < 0 }) else {
            throw node.unsupported("broadcasts a constant of shape \(constant.shape) to \(ShapeCheck.describe(shape))")
        }
        var tensor = constant.tensor.reshaped(padded)
        if layout == .channelsLast { tensor = tensor.permuted([0, 2, 3, 1]) }
        return tensor.reshaped(Array(tensor.shape.dropFirst()))
    }

    /// Two run-time values: Add of equal shapes, Sub, Mul and Div also broadcasting size-1 axes.
    private func merge(
        _ node: ONNXNode, _ x: (Int, Layout), _ y: (Int, Layout),
        _ operation: ConstantTensor.Arithmetic
    ) throws -> [Value] {
        let (inputs, layout) = try inOneLayout(node, [x, y])
        let op: Op
        switch operation {
        case .add: op = sum(of: inputs)
        case .subtract: op = ElementwiseMergeOp(.subtract)
        case .multiply: op = ElementwiseMergeOp(.multiply)
        case .divide: op = ElementwiseMergeOp(.divide)
        }
        return [.node(try add(op, inputs: inputs), layout)]
    }

    /// The sum of equal shapes as `AddOp`, of broadcast ones as a merge.
    private func sum(of inputs: [Int]) -> Op {
        inputs.allSatisfy({ graph.nodes[$0].shape == graph.nodes[inputs[0]].shape }) ? AddOp() : ElementwiseMergeOp(.add)
    }

    /// Run-time values in the first one's layout.
    private func inOneLayout(_ node: ONNXNode, _ values: [(Int, Layout)]) throws -> ([Int], Layout) {
        let layout = values[0].1
        let nodes = try values.map { value in
            layout == .channelsLast ? try channelsLast(value.0, value.1, for: node) : try onnxOrdered(value.0, value.1)
        }
        return (nodes, layout)
    }

    /// Sum, Mean, Max and Min of any number of run-time values, broadcasting size-1 axes.
    static func variadic(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let values = try node.inputs.indices.map { try builder.dynamicInput(node, $0) }
        guard !values.isEmpty else { throw node.error("has no inputs") }
        if values.count == 1 { return try builder.unary(node, IdentityOp(kind: node.opType)) }
        let (inputs, layout) = try builder.inOneLayout(node, values.map { ($0.node, $0.layout) })
        let operations: [String: ElementwiseMergeOp.Operation] = ["Mean": .average, "Max": .maximum, "Min": .minimum]
        let op = operations[node.opType].map { ElementwiseMergeOp($0) } ?? builder.sum(of: inputs)
        return [.node(try builder.add(op, inputs: inputs), layout)]
    }

    /// A power by one constant exponent (`x ** 2`, `x.pow(0.5)`); of a constant, computed now.
    static func pow(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let exponent = try builder.requiredConstant(node, 1, "exponent")
        guard exponent.count == 1 else {
            throw node.unsupported("raises to a power of shape \(exponent.shape), not one exponent")
        }
        return try builder.elementwise(node, MathFunctionOp(.power(exponent.floats[0])))
    }

    // MARK: - Matrix products

    /// `α · A · B + β · C` with B and C constant (a fully connected layer); transB transposes B.
    static func gemm(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let a = try builder.dynamicInput(node)
        guard try node.int("transA", default: 0) == 0 else { throw node.unsupported("transposes its data input (transA = 1)") }
        let constant = try builder.requiredConstant(node, 1, "weight")
        guard constant.shape.count == 2 else { throw node.error("has a weight of shape \(constant.shape), expected a matrix") }
        // A classifier's weight can be hundreds of megabytes: copied once at most (transposed), never to scale by 1.
        var weight = try node.int("transB", default: 0) != 0 ? constant.tensor.permuted([1, 0]) : constant.tensor
        let alpha = try node.float("alpha", default: 1)
        if alpha != 1 { weight = Tensor(shape: weight.shape, scalars: weight.scalars.map { $0 * alpha }) }
        let beta = try node.float("beta", default: 1)
        var bias: [Float]?
        if let c = try builder.constantInput(node, 2, "bias") {
            guard let row = ConstantTensor.broadcastShape(c.shape, [1, weight.shape[1]]), row == [1, weight.shape[1]] else {
                throw node.unsupported("adds a bias of shape \(c.shape) that is not one value per output")
            }
            bias = c.broadcast(to: [1, weight.shape[1]]).floats.map { $0 * beta }
        }
        return try builder.dense(node, a, kernel: weight, bias: bias)
    }

    /// A product with a constant matrix over the last axis (a Linear layer without its bias), or of
    /// two run-time values of equal rank, matrix by matrix over their last two axes (attention).
    static func matMul(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let a = try builder.dynamicInput(node)
        if case .node(let b, let layout)? = try builder.input(node, 1) {
            let inputs = [try builder.onnxOrdered(a.node, a.layout), try builder.onnxOrdered(b, layout)]
            return [.node(try builder.add(MatMulOp(), inputs: inputs), .onnx)]
        }
        let weight = try builder.requiredConstant(node, 1, "weight")
        guard weight.shape.count == 2 else {
            throw node.unsupported("multiplies by a constant of shape \(weight.shape) (vizrun takes a matrix)")
        }
        return try builder.dense(node, a, kernel: weight.tensor, bias: nil)
    }

    private func dense(_ node: ONNXNode, _ a: (node: Int, layout: Layout), kernel: Tensor, bias: [Float]?) throws -> [Value] {
        let input = try onnxOrdered(a.node, a.layout)
        guard graph.nodes[input].shape.last == kernel.shape[0] else {
            throw node.error(
                "multiplies a value of shape \(ShapeCheck.describe(onnxShape(a.node, a.layout))) by a "
                    + "\(kernel.shape[0])×\(kernel.shape[1]) matrix")
        }
        return [.node(try add(DenseOp(kernel: kernel, bias: bias), inputs: [input]), .onnx)]
    }
}
