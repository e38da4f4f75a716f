import VizCore

/// `objective: {sum: [{channel: {layer: a, index: 3}, weight: 1}, ...]}` or one term alone (see Docs/config.md).
extension FiltersOptions {
    /// Whether `objective` is written in the composed form: `{sum: …}`, or a term whose value is a
    /// mapping (`{channel: {layer, index}}`), or `{layer: NAME}`, `{direction: …}`, `{diversity: …}`.
    /// The book's forms (`channel`, `{neuron: [y, x]}`, `{class: k}`) are not.
    static func isComposed(_ node: ConfigNode) throws -> Bool {
        guard node.isMapping else { return false }
        let mapping = try node.mapping()
        return mapping.keys.contains { key in
            ["sum", "layer", "direction", "diversity", "channel"].contains(key) || mapping.optional(key)?.isMapping == true
        }
    }

    mutating func readComposedObjective(_ node: ConfigNode, _ mapping: ConfigMapping, model: Model) throws {
        for key in ["layer", "filters"] {
            if let keyNode = mapping.optional(key) {
                throw keyNode.error("`\(key)` is not used with a composed objective: each of its terms names its layer")
            }
        }
        let objective = try node.mapping()
        let terms: [ObjectiveTerm]
        if let sum = objective.optional("sum") {
            terms = try sum.sequence().map { try Self.term($0, model: model) }
            guard !terms.isEmpty else { throw sum.error("sum needs at least one term") }
            try objective.finish()
        } else {
            terms = [try Self.term(node, model: model)]
        }
        composed = ComposedObjective(terms: terms)
        (layerName, targetNode) = (terms[0].layer, terms[0].node)
        units = Array(0..<(try mapping.optional("samples")?.int(atLeast: 1) ?? 1))
    }

    /// One term: a mapping of one objective key and an optional `weight`.
    private static func term(_ node: ConfigNode, model: Model) throws -> ObjectiveTerm {
        let mapping = try node.mapping()
        let kinds = mapping.keys.filter { $0 != "weight" }
        guard kinds.count == 1, let kind = kinds.first else {
            throw node.error(
                "each objective term is one of \(ObjectiveTerm.names.joined(separator: ", ")) with an optional weight")
        }
        guard ObjectiveTerm.names.contains(kind) else {
            throw node.error(Suggestions.unknown("objective", kind, among: ObjectiveTerm.names + ["sum"]))
        }
        let value = try mapping.required(kind)
        var term: ObjectiveTerm
        if kind == "class" {
            term = try classTerm(value, model: model)
        } else {
            let settings = value.isMapping ? try value.mapping() : nil
            let layerNode = try settings?.required("layer") ?? value
            let layer: Model.Layer
            do { layer = try model.requireLayer(try layerNode.string()) } catch let error as VizError {
                throw layerNode.error(error.message)
            }
            let shape = model.outputShape(of: layer)
            guard shape.count == 3 else {
                throw layerNode.error(
                    "layer '\(layer.name)' has output shape \(ShapeCheck.describe([-1] + shape)); \(kind) needs (batch, height, width, channels)"
                )
            }
            let channels = shape[2]
            func index() throws -> Int {
                let node = try settings?.required("index") ?? value
                let index = try node.int(atLeast: 0)
                guard channels < 0 || index < channels else {
                    throw node.error("channel \(index) is out of range: layer '\(layer.name)' has \(channels) channels")
                }
                return index
            }
            let termKind: ObjectiveTerm.Kind
            switch kind {
            case "channel": termKind = .channel(try index())
            case "neuron":
                termKind = .neuron(
                    try index(), y: try settings?.optional("y")?.int(atLeast: 0), x: try settings?.optional("x")?.int(atLeast: 0))
            case "direction":
                // The keys are checked before the file is read.
                let vector = try settings?.required("vector") ?? value
                try settings?.finish()
                termKind = .direction(try direction(vector, layer: layer, channels: channels))
            case "layer": termKind = .layer
            default: termKind = .diversity
            }
            try settings?.finish()
            term = ObjectiveTerm(kind: termKind, node: layer.outputNode, layer: layer.name)
        }
        if let weight = mapping.optional("weight") { term.weight = Float(try weight.double()) }
        try mapping.finish()
        return term
    }

    private static func classTerm(_ node: ConfigNode, model: Model) throws -> ObjectiveTerm {
        guard let layer = model.predictionLayer, let logits = model.logitNode else {
            throw node.error("the model has no output layer")
        }
        let shape = model.graph.nodes[logits].shape
        guard shape.count == 2 else {
            throw node.error(
                "the class objective needs a model whose output is (batch, classes), this one gives \(ShapeCheck.describe(shape))"
            )
        }
        let index: Int
        if let number = try? node.int() {
            index = number
        } else {
            let label = try node.string()
            guard let found = model.labels?.firstIndex(of: label) else { throw node.error("no class labelled '\(label)'") }
            index = found
        }
        guard index >= 0, shape[1] < 0 || index < shape[1] else {
            throw node.error("class \(index) is out of range: the model has \(shape[1]) classes")
        }
        return ObjectiveTerm(kind: .classLogit(index), node: logits, layer: layer.name)
    }

    /// A `.npy` vector with one value per channel of the layer.
    private static func direction(_ node: ConfigNode, layer: Model.Layer, channels: Int) throws -> [Float] {
        let vector: Tensor
        do { vector = try Tensor(npyFileAt: try node.path()) } catch let error as VizError { throw node.error(error.message) }
        guard vector.shape.filter({ $0 != 1 }).count <= 1 else {
            throw node.error("the direction must be a vector, got \(ShapeCheck.describe(vector.shape))")
        }
        guard channels < 0 || vector.count == channels else {
            throw node.error("the direction has \(vector.count) values, layer '\(layer.name)' has \(channels) channels")
        }
        guard vector.scalars.allSatisfy(\.isFinite) else { throw node.error("the direction holds NaN or infinity") }
        return vector.scalars
    }
}
