import VizCore

/// Slice, Gather and Split: parts of a tensor picked by position along its axes. Of constants
/// (the shapes and pads exporters compute) they are computed when the model loads; of run-time
/// values they run as `IndexSelectOp`, the batch axis always kept whole.
extension ONNXGraphBuilder {
    /// Starts, ends, axes and steps are attributes before opset 10 and inputs from it on.
    static func slice(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let data = try builder.input(node, 0)
        let shape = try builder.shape(of: data, node)
        let rank = shape.count
        func list(_ name: String, _ index: Int) throws -> [Int]? {
            if node.opset < 10 { return try node.ints(name, clamping: true) }
            return try builder.constantInput(node, index, name)?.integers.map { Int(clamping: $0) }
        }
        let starts = try list("starts", 1) ?? []
        let ends = try list("ends", 2) ?? []
        let axes = try list("axes", 3)?.map { $0 < 0 ? $0 + rank : $0 } ?? Array(0..<starts.count)
        let steps = try list("steps", 4) ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count,
            Set(axes).count == axes.count, axes.allSatisfy({ $0 >= 0 && $0 < rank }), !steps.contains(0)
        else {
            throw node.error("has starts \(starts), ends \(ends), axes \(axes) and steps \(steps) for a rank-\(rank) tensor")
        }
        var positions = [[Int]?](repeating: nil, count: rank)
        for (index, axis) in axes.enumerated() {
            let size = try builder.knownSize(shape, axis, node)
            let step = steps[index]
            func resolved(_ bound: Int) -> Int { bound < 0 ? bound + size : bound }
            let start = step > 0 ? min(max(resolved(starts[index]), 0), size) : min(max(resolved(starts[index]), 0), size - 1)
            let end = step > 0 ? min(max(resolved(ends[index]), 0), size) : min(max(resolved(ends[index]), -1), size - 1)
            positions[axis] = Array(stride(from: start, to: end, by: step))
        }
        return [try builder.picking(data, positions, node)]
    }

    /// Gather along one axis with constant indices; the output has the indices' shape in place of
    /// that axis.
    static func gather(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let data = try builder.input(node, 0)
        let indices = try builder.requiredConstant(node, 1, "indices")
        let shape = try builder.shape(of: data, node)
        let rank = shape.count
        var axis = try node.int("axis", default: 0)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < rank else { throw node.error("has axis \(axis) for a rank-\(rank) tensor") }
        let size = try builder.knownSize(shape, axis, node)
        let picked = try indices.integers.map { index -> Int in
            let resolved = Int(clamping: index < 0 ? index + Int64(size) : index)
            guard resolved >= 0, resolved < size else { throw node.error("gathers index \(index) from an axis of \(size)") }
            return resolved
        }
        let outputShape = Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...])
        var positions = [[Int]?](repeating: nil, count: rank)
        positions[axis] = picked
        guard case .node(let x, let layout)? = data, indices.shape.count != 1 || layout == .batchMerged else {
            let value = try builder.picking(data, positions, node)
            if case .constant(let constant) = value { return [.constant(constant.reshaped(outputShape))] }
            return [value]
        }
        // The result has another rank (or gives the batch its axis back): picked, then reshaped.
        let orderedLayout = layout == .batchMerged ? layout : .onnx
        let selected = try builder.select(try builder.onnxOrdered(x, layout), orderedLayout, positions, node, suffix: "picked")
        if layout == .batchMerged, outputShape.first != 1 {
            return [.node(try builder.add(ReshapeOp(itemShape: outputShape, kind: "Gather"), inputs: [selected]), .batchMerged)]
        }
        return [
            .node(
                try builder.add(ReshapeOp(itemShape: Array(outputShape.dropFirst()), kind: "Gather"), inputs: [selected]), .onnx)
        ]
    }

    /// Split into parts along one axis: their lengths are an attribute before opset 13 and an
    /// input from it on; without them, equal parts, one per output (from opset 18 `num_outputs`
    /// parts, the last one shorter when the axis does not divide).
    static func split(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let data = try builder.input(node, 0)
        let shape = try builder.shape(of: data, node)
        var axis = try node.int("axis", default: 0)
        if axis < 0 { axis += shape.count }
        guard axis >= 0, axis < shape.count else { throw node.error("has axis \(axis) for a rank-\(shape.count) tensor") }
        let size = try builder.knownSize(shape, axis, node)
        let given =
            node.opset < 13
            ? try node.ints("split") : try builder.constantInput(node, 1, "split")?.integers.map { Int(clamping: $0) }
        var lengths: [Int]
        if let given {
            lengths = given
        } else if node.opset >= 18, node.has("num_outputs") {
            let count = try node.int("num_outputs", default: 1)
            let chunk = count > 0 ? (size + count - 1) / count : 0
            lengths = Array(repeating: chunk, count: max(count - 1, 0)) + [size - chunk * (count - 1)]
        } else {
            let count = node.outputs.count
            guard count > 0, size % count == 0 else {
                throw node.error("splits an axis of \(size) into \(count) equal parts")
            }
            lengths = Array(repeating: size / count, count: count)
        }
        guard lengths.count == node.outputs.count, lengths.allSatisfy({ $0 > 0 }), lengths.reduce(0, +) == size else {
            throw node.error("splits an axis of \(size) into parts of \(lengths) for \(node.outputs.count) outputs")
        }
        var start = 0
        return try lengths.enumerated().map { index, length in
            var positions = [[Int]?](repeating: nil, count: shape.count)
            positions[axis] = Array(start..<(start + length))
            start += length
            return try builder.picking(data, positions, node, suffix: index == 0 ? nil : "part\(index + 1)")
        }
    }

    // MARK: - Shared

    private func shape(of value: Value?, _ node: ONNXNode) throws -> [Int] {
        switch value {
        case .constant(let constant)?: return constant.shape
        case .node(let index, let layout)?: return onnxShape(index, layout)
        case nil: throw node.error("lacks its data (input 1)")
        }
    }

    private func knownSize(_ shape: [Int], _ axis: Int, _ node: ONNXNode) throws -> Int {
        guard shape[axis] >= 0 else {
            throw node.unsupported(
                "picks along axis \(axis) of \(ShapeCheck.describe(shape)), a size the file leaves open")
        }
        return shape[axis]
    }

    /// The positions kept along each ONNX axis (nil: all of it) of a constant, computed now, or of a
    /// run-time value.
    private func picking(_ value: Value?, _ positions: [[Int]?], _ node: ONNXNode, suffix: String? = nil) throws -> Value {
        switch value {
        case .constant(let constant)?:
            return .constant(constant.picking(positions.enumerated().map { $1 ?? Array(0..<constant.shape[$0]) }))
        case .node(let x, let layout)?:
            return .node(try select(x, layout, positions, node, suffix: suffix), layout)
        case nil:
            throw node.error("lacks its data (input 1)")
        }
    }

    /// A run-time value's positions kept along each ONNX axis, as an `IndexSelectOp` that keeps
    /// the batch axis whole (a value whose batch is merged with its first axis may pick along it).
    private func select(_ x: Int, _ layout: Layout, _ positions: [[Int]?], _ node: ONNXNode, suffix: String?) throws -> Int {
        let shape = onnxShape(x, layout)
        var engine = [[Int]?](repeating: nil, count: graph.nodes[x].shape.count - 1)
        for (axis, picked) in positions.enumerated() {
            guard let picked, picked != Array(0..<shape[axis]) else { continue }
            if layout == .batchMerged {
                engine[axis] = picked
            } else {
                guard axis > 0 else { throw node.unsupported("picks positions \(picked) along the batch axis") }
                engine[engineAxis(axis, layout) - 1] = picked
            }
        }
        let op: Op =
            engine.allSatisfy({ $0 == nil }) ? IdentityOp(kind: node.opType) : IndexSelectOp(positions: engine, kind: node.opType)
        return try add(op, inputs: [x], suffix: suffix)
    }
}
