import VizCore

/// Flatten, Reshape and Concat of run-time values, and the reductions over the spatial axes.
/// Each means what it means on the NCHW graph: a flattened image lists its values in (C, H, W) order.
extension ONNXGraphBuilder {
    /// The value with its scalars in ONNX's row-major order, reordering only where that changes it.
    private func flatOrdered(_ node: Int, _ layout: Layout) throws -> Int {
        let shape = graph.nodes[node].shape
        let alreadyOrdered = layout != .channelsLast || shape[1] * shape[2] == 1 || shape[3] == 1
        return alreadyOrdered ? node : try onnxOrdered(node, layout)
    }

    static func flatten(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let input = try builder.input(node, 0)
        var axis = try node.int("axis", default: 1)
        if case .constant(let constant)? = input {
            if axis < 0 { axis += constant.shape.count }
            let rows = constant.shape.prefix(max(axis, 0)).reduce(1, *)
            return [.constant(constant.reshaped([rows, constant.count / max(rows, 1)]))]
        }
        let x = try builder.dynamicInput(node)
        let shape = builder.onnxShape(x.node, x.layout)
        if axis < 0 { axis += shape.count }
        guard axis >= 1, axis <= shape.count, shape[1..<axis].allSatisfy({ $0 == 1 }) else {
            throw node.unsupported("flattens the batch axis together with others (axis \(axis) of \(ShapeCheck.describe(shape)))")
        }
        let op = ReshapeOp(itemShape: axis == shape.count ? [1] : [-1], kind: "Flatten")
        return [.node(try builder.add(op, inputs: [try builder.flatOrdered(x.node, x.layout)]), .onnx)]
    }

    static func reshape(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let requested: [Int]
        if node.opset < 5 {
            requested = try node.ints("shape") ?? []
        } else {
            requested = try builder.requiredConstant(node, 1, "shape").integers.map { Int(clamping: $0) }
        }
        guard requested.allSatisfy({ $0 >= -1 }), requested.filter({ $0 == -1 }).count <= 1,
            ConstantTensor.count(of: requested.map { max($0, 0) }) != nil
        else {
            throw node.error("reshapes to \(requested), which is not a shape (sizes are −1, 0 or positive, one −1 at most)")
        }
        let allowZero = try node.int("allowzero", default: 0) != 0
        func resolved(_ shape: [Int]) throws -> [Int] {
            try requested.enumerated().map { index, size in
                guard size == 0, !allowZero else { return size }
                guard index < shape.count else {
                    throw node.error("copies axis \(index) (a 0 in \(requested)) of a rank-\(shape.count) input")
                }
                return shape[index]
            }
        }
        if case .constant(let constant)? = try builder.input(node, 0) {
            var target = try resolved(constant.shape)
            let known = ConstantTensor.count(of: target.filter { $0 >= 0 }) ?? 0
            if let free = target.firstIndex(of: -1), known > 0 { target[free] = constant.count / known }
            guard ConstantTensor.count(of: target) == constant.count else {
                throw node.error("reshapes a constant of shape \(constant.shape) to \(requested)")
            }
            return [.constant(constant.reshaped(target))]
        }
        let x = try builder.dynamicInput(node)
        let shape = builder.onnxShape(x.node, x.layout)
        var target = try resolved(shape)
        let input = try builder.flatOrdered(x.node, x.layout)
        // The first axis stays the batch: vizrun runs any batch size through a graph exported for one.
        // (A target of one axis has none left for the items: it flattens the batch with them.)
        if x.layout != .batchMerged, target.count >= 2,
            target[0] == shape[0] || (target[0] == -1 && !target.dropFirst().contains(-1))
        {
            return [.node(try builder.add(ReshapeOp(itemShape: Array(target.dropFirst())), inputs: [input]), .onnx)]
        }
        // Otherwise the graph was exported for one image and reshapes it whole: each item is reshaped
        // so, its batch merged with the first axis, until a Reshape or Gather gives it back.
        let itemSize = builder.graph.nodes[input].shape.dropFirst().reduce(1, *)
        guard itemSize > 0, target.count >= 1 else {
            throw node.unsupported("reshapes across the batch axis (\(ShapeCheck.describe(shape)) to \(requested))")
        }
        let known = target.filter { $0 >= 0 }.reduce(1, *)
        if let free = target.firstIndex(of: -1), known > 0 { target[free] = itemSize / known }
        guard target.reduce(1, *) == itemSize else {
            throw node.error("reshapes the \(itemSize) values of \(ShapeCheck.describe(shape)) to \(requested)")
        }
        if target[0] == 1 {
            return [.node(try builder.add(ReshapeOp(itemShape: Array(target.dropFirst())), inputs: [input]), .onnx)]
        }
        return [.node(try builder.add(ReshapeOp(itemShape: target), inputs: [input]), .batchMerged)]
    }

    static func concat(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        var axis = try node.int("axis", default: 0)
        if let constants = try builder.constantInputs(node) {
            return [.constant(try concatenated(constants.compactMap { $0 }, axis: axis, node))]
        }
        // DenseNet's first layer joins a list of one tensor.
        if node.inputs.count == 1 { return try builder.unary(node, IdentityOp(kind: "Concat")) }
        let first = try builder.dynamicInput(node, 0)
        let rank = builder.graph.nodes[first.node].shape.count
        if axis < 0 { axis += rank }
        guard axis >= 1, axis < rank else { throw node.unsupported("joins along axis \(axis) of rank-\(rank) values") }
        var inputs: [Int] = []
        for index in node.inputs.indices {
            let x = try builder.dynamicInput(node, index)
            inputs.append(
                first.layout == .channelsLast
                    ? try builder.channelsLast(x.node, x.layout, for: node) : try builder.onnxOrdered(x.node, x.layout))
        }
        let op = ConcatenateOp(axis: builder.engineAxis(axis, first.layout))
        return [.node(try builder.add(op, inputs: inputs), first.layout)]
    }

    /// ReduceMean, ReduceMax, ReduceMin and ReduceSum over any axes but the batch: the mean or
    /// maximum over an image's spatial axes runs as a global pooling, anything else as a reduction.
    /// Axes are an attribute before opset 18 (ReduceSum: 13) and an input from it on.
    static func reduce(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let rank = builder.graph.nodes[x.node].shape.count
        let axesList =
            node.opset < (node.opType == "ReduceSum" ? 13 : 18)
            ? try node.ints("axes") : try builder.constantInput(node, 1, "axes")?.integers.map { Int(clamping: $0) }
        if axesList?.isEmpty ?? true, try node.int("noop_with_empty_axes", default: 0) != 0 {
            return try builder.unary(node, IdentityOp(kind: node.opType))
        }
        let axes = (axesList ?? []).map { $0 < 0 ? $0 + rank : $0 }
        guard !axes.isEmpty, axes.allSatisfy({ $0 >= 1 && $0 < rank }) else {
            throw node.unsupported(
                "reduces over \(axesList.map { "axes \($0)" } ?? "every axis") of a rank-\(rank) value (the batch axis stays apart)"
            )
        }
        let keepDims = try node.int("keepdims", default: 1) != 0
        let reduction: ReduceOp.Reduction = ["ReduceSum": .sum, "ReduceMax": .max, "ReduceMin": .min][node.opType] ?? .mean
        if reduction == .mean || reduction == .max {
            var pooled = x
            if rank == 4, x.layout == .onnx, Set(axes) == [2, 3] {
                pooled = (try builder.channelsLast(x.node, x.layout, for: node), .channelsLast)
            }
            if rank >= 3, Set(axes.map { builder.engineAxis($0, pooled.layout) }) == Set(1..<(rank - 1)) {
                let op = GlobalPoolOp(reduction == .max ? .max : .average, keepDims: keepDims, kind: node.opType)
                return [.node(try builder.add(op, inputs: [pooled.node]), keepDims ? pooled.layout : .onnx)]
            }
        }
        // Dropping axes leaves no image: the value is reduced in ONNX's order.
        let input = keepDims ? x.node : try builder.onnxOrdered(x.node, x.layout)
        let layout = keepDims ? x.layout : .onnx
        let op = ReduceOp(
            reduction, axes: Set(axes.map { builder.engineAxis($0, layout) }), keepDims: keepDims, kind: node.opType)
        return [.node(try builder.add(op, inputs: [input]), layout)]
    }

    /// The index of the largest (`ArgMax`) or smallest (`ArgMin`) value along `axis`, as a float.
    static func argExtremum(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let rank = builder.graph.nodes[x.node].shape.count
        let written = try node.int("axis", default: 0)
        let axis = written < 0 ? written + rank : written
        guard axis >= 1, axis < rank else {
            throw node.unsupported("searches axis \(written) of a rank-\(rank) value (the batch axis stays apart)")
        }
        let keepDims = try node.int("keepdims", default: 1) != 0
        // Dropping the axis leaves no image: the value is searched in ONNX's order.
        let input = keepDims ? x.node : try builder.onnxOrdered(x.node, x.layout)
        let layout = keepDims ? x.layout : .onnx
        let op = ArgExtremumOp(
            node.opType == "ArgMin" ? .min : .max, axis: builder.engineAxis(axis, layout), keepDims: keepDims,
            lastOnTies: try node.int("select_last_index", default: 0) != 0, kind: node.opType)
        return [.node(try builder.add(op, inputs: [input]), layout)]
    }

    /// A permutation of the axes after the batch, in ONNX's order.
    static func transpose(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let rank = builder.graph.nodes[x.node].shape.count
        let perm = try node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else { throw node.error("has perm \(perm) for a rank-\(rank) value") }
        guard perm[0] == 0 else { throw node.unsupported("moves the batch axis (perm \(perm))") }
        let op = PermuteOp(dims: Array(perm.dropFirst()))
        return [.node(try builder.add(op, inputs: [try builder.onnxOrdered(x.node, x.layout)]), .onnx)]
    }

    /// Unsqueeze and Squeeze of a run-time value: a reshape that leaves the batch axis alone (axes are
    /// an attribute before opset 13 and an input from it on).
    static func unsqueezeOrSqueeze(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        if case .constant? = try builder.input(node, 0) {
            return node.opType == "Unsqueeze" ? try unsqueeze(builder, node) : try squeeze(builder, node)
        }
        let x = try builder.dynamicInput(node)
        var shape = builder.onnxShape(x.node, x.layout)
        let requested = try axes(builder, node)
        if node.opType == "Unsqueeze" {
            let rank = shape.count + (requested?.count ?? 0)
            let axes = Set((requested ?? []).map { $0 < 0 ? $0 + rank : $0 })
            guard axes.count == requested?.count, axes.allSatisfy({ $0 > 0 && $0 < rank }) else {
                throw node.unsupported("adds axes \(requested ?? []) to a rank-\(shape.count) value (the batch axis stays first)")
            }
            for axis in axes.sorted() { shape.insert(1, at: axis) }
        } else {
            let axes = Set(requested?.map { $0 < 0 ? $0 + shape.count : $0 } ?? shape.indices.filter { $0 > 0 && shape[$0] == 1 })
            guard axes.allSatisfy({ $0 > 0 && $0 < shape.count && shape[$0] == 1 }) else {
                throw node.unsupported(
                    "drops axes \(axes.sorted()) of \(ShapeCheck.describe(shape)) (each of size 1, not the batch)")
            }
            shape = shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        }
        guard shape.dropFirst().filter({ $0 < 0 }).count <= 1 else {
            throw node.unsupported("reshapes a value of more than one unknown size")
        }
        let op = ReshapeOp(itemShape: Array(shape.dropFirst()), kind: node.opType)
        return [.node(try builder.add(op, inputs: [try builder.flatOrdered(x.node, x.layout)]), .onnx)]
    }
}
