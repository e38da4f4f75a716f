import VizCore

/// Constants and the shape arithmetic exporters write around views (`Shape → Gather → Unsqueeze →
/// Concat → Reshape`): all of it is computed when the model loads, so the engine never sees it.
extension ONNXGraphBuilder {
    static func constant(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        if let tensor = try node.tensor("value") { return [.constant(try builder.reader.constant(tensor, role: "constant"))] }
        if node.has("value_float") {
            return [.constant(ConstantTensor(shape: [], floats: [try node.float("value_float", default: 0)]))]
        }
        if let floats = try node.floats("value_floats") {
            return [.constant(ConstantTensor(shape: [floats.count], floats: floats))]
        }
        if node.has("value_int") {
            return [.constant(ConstantTensor(shape: [], integers: [Int64(try node.int("value_int", default: 0))]))]
        }
        if let ints = try node.ints("value_ints") {
            return [.constant(ConstantTensor(shape: [ints.count], integers: ints.map(Int64.init)))]
        }
        throw node.unsupported("holds a kind of value other than a tensor or numbers")
    }

    /// The shape of any value: a run-time value's is known when the graph is built (batch 1).
    static func shape(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let shape: [Int]
        switch try builder.input(node, 0) {
        case .constant(let constant)?: shape = constant.shape
        case .node(let index, let layout)?: shape = builder.onnxShape(index, layout)
        case nil: throw node.error("lacks its input")
        }
        let rank = shape.count
        func clamped(_ bound: Int) -> Int { min(max(bound < 0 ? bound + rank : bound, 0), rank) }
        let start = clamped(try node.int("start", default: 0))
        let end = clamped(try node.int("end", default: rank))
        let part = start < end ? Array(shape[start..<end]) : []
        return [.constant(ConstantTensor(shape: [part.count], integers: part.map(Int64.init)))]
    }

    /// Axes are an attribute before opset 13 and an input from it on.
    static func axes(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Int]? {
        node.opset < 13 ? try node.ints("axes") : try builder.constantInput(node, 1, "axes")?.integers.map { Int(clamping: $0) }
    }

    static func unsqueeze(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        guard case .constant(let data)? = try builder.input(node, 0) else {
            throw node.unsupported("adds axes to a value computed at run time")
        }
        let requested = try axes(builder, node) ?? []
        let rank = data.shape.count + requested.count
        let axes = Set(requested.map { $0 < 0 ? $0 + rank : $0 })
        guard axes.count == requested.count, axes.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw node.error("has axes \(requested) for an output of rank \(rank)")
        }
        var rest = data.shape.makeIterator()
        return [.constant(data.reshaped((0..<rank).map { axes.contains($0) ? 1 : rest.next()! }))]
    }

    static func squeeze(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        guard case .constant(let data)? = try builder.input(node, 0) else {
            throw node.unsupported("drops axes of a value computed at run time")
        }
        let rank = data.shape.count
        let axes = Set(
            try axes(builder, node)?.map { $0 < 0 ? $0 + rank : $0 } ?? data.shape.indices.filter { data.shape[$0] == 1 })
        guard axes.allSatisfy({ $0 >= 0 && $0 < rank && data.shape[$0] == 1 }) else {
            throw node.error("drops axes \(axes.sorted()) of shape \(data.shape); each must have size 1")
        }
        return [.constant(data.reshaped(data.shape.indices.filter { !axes.contains($0) }.map { data.shape[$0] }))]
    }

    static func cast(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let code = Int32(clamping: try node.int("to", default: 0))
        guard let type = ElementType(rawValue: code) else { throw node.unsupported("casts to \(ElementType.name(of: code))") }
        if case .constant(let data)? = try builder.input(node, 0) {
            if type == .bool {
                return [.constant(ConstantTensor(shape: data.shape, integers: data.floats.map { $0 != 0 ? 1 : 0 }))]
            }
            return [
                .constant(
                    type.isFloatingPoint
                        ? ConstantTensor(shape: data.shape, floats: data.floats)
                        : ConstantTensor(shape: data.shape, integers: data.integers))
            ]
        }
        guard type.isFloatingPoint else {
            throw node.unsupported("casts a value computed at run time to \(ElementType.name(of: code))")
        }
        return try builder.unary(node, IdentityOp(kind: "Cast"))
    }

    static func constantOfShape(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let shape = try builder.requiredConstant(node, 0, "shape").integers.map { Int(clamping: $0) }
        guard let count = ConstantTensor.count(of: shape), count <= ConstantTensor.largestComputed else {
            throw node.error("asks for a constant of shape \(shape)")
        }
        let fill =
            try node.tensor("value").map { try builder.reader.constant($0, role: "fill value") }
            ?? ConstantTensor(shape: [1], floats: [0])
        guard fill.count == 1 else { throw node.error("has a fill value of \(fill.count) elements, expected one") }
        return [.constant(fill.reshaped([]).broadcast(to: shape))]
    }

    static func transposeConstant(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        guard case .constant(let data)? = try builder.input(node, 0) else { return try transpose(builder, node) }
        let rank = data.shape.count
        let perm = try node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else { throw node.error("has perm \(perm) for a rank-\(rank) tensor") }
        return [.constant(data.transposed(perm))]
    }

    static func concatenated(_ parts: [ConstantTensor], axis requested: Int, _ node: ONNXNode) throws -> ConstantTensor {
        guard let first = parts.first else { throw node.error("joins no inputs") }
        let rank = first.shape.count
        let axis = requested < 0 ? requested + rank : requested
        guard axis >= 0, axis < rank,
            parts.allSatisfy({
                $0.shape.count == rank
                    && $0.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] }
            })
        else {
            throw node.error("joins constants of shapes \(parts.map(\.shape)) along axis \(requested)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        var pieces: [ConstantTensor] = []
        for block in 0..<outer {
            for part in parts {
                let width = part.count / max(outer, 1)
                pieces.append(part.gathered(Array((block * width)..<((block + 1) * width)), shape: [width]))
            }
        }
        var shape = first.shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let useIntegers = parts.allSatisfy(\.isInteger)
        return useIntegers
            ? ConstantTensor(shape: shape, integers: pieces.flatMap(\.integers))
            : ConstantTensor(shape: shape, floats: pieces.flatMap(\.floats))
    }
}
