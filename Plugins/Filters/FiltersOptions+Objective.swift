import VizCore

/// What the patterns maximise: a layer's channels (`filters`), one neuron, or the model's classes.
extension FiltersOptions {
    mutating func readObjective(_ mapping: ConfigMapping, model: Model) throws {
        var classes: ConfigNode?
        var score = "logit"
        if let node = mapping.optional("objective"), try Self.isComposed(node) {
            try readComposedObjective(node, mapping, model: model)
            return
        }
        if let node = mapping.optional("objective") {
            if node.isMapping {
                let objectiveMapping = try node.mapping()
                if let neuron = objectiveMapping.optional("neuron") {
                    let items = try neuron.sequence()
                    guard items.count == 2 else { throw neuron.error("neuron is [y, x]: two numbers") }
                    let (y, x) = (try items[0].int(), try items[1].int())
                    guard y >= 0, x >= 0 else { throw neuron.error("neuron positions are counted from 0") }
                    objective = .neuron(y: y, x: x)
                } else if let node = objectiveMapping.optional("class") {
                    classes = node
                    objective = .unit
                    if let scoreNode = objectiveMapping.optional("score") {
                        score = try scoreNode.string()
                        guard ["logit", "probability"].contains(score) else {
                            throw scoreNode.error("score is logit or probability, not '\(score)'")
                        }
                    }
                } else {
                    throw node.error("objective is channel, {neuron: [y, x]} or {class: k}")
                }
                if objective != .unit, let scoreNode = objectiveMapping.optional("score") {
                    throw scoreNode.error("score only applies to the class objective")
                }
                try objectiveMapping.finish()
            } else {
                let name = try node.string()
                guard name == "channel" else {
                    let hint = Suggestions.didYouMean(name, among: ["channel", "neuron", "class"])
                    throw node.error("unknown objective '\(name)': channel, {neuron: [y, x]} or {class: k}\(hint)")
                }
            }
        }

        if let classes {
            for key in ["layer", "filters"] {
                if let node = mapping.optional(key) {
                    throw node.error("`\(key)` is not used with the class objective: it maximises the model's output")
                }
            }
            guard let layer = model.predictionLayer else { throw mapping.owner.error("the model has no output layer") }
            layerName = layer.name
            guard let node = score == "logit" ? model.logitNode : layer.outputNode else {
                throw mapping.owner.error("the model has no output layer")
            }
            targetNode = node
            let shape = model.graph.nodes[node].shape
            guard shape.count == 2, shape[1] > 0 else {
                throw classes.error(
                    "the class objective needs a model whose output is (batch, classes), this one gives \(ShapeCheck.describe(shape))"
                )
            }
            units = try classes.list().map { item in
                let index: Int
                if let value = try? item.int() {
                    index = value
                } else {
                    let label = try item.string()
                    guard let found = model.labels?.firstIndex(of: label) else {
                        throw item.error(
                            "no class labelled '\(label)'" + (model.labels == nil ? " (the model has no labels file)" : ""))
                    }
                    index = found
                }
                guard index >= 0, index < shape[1] else {
                    throw item.error("class \(index) is out of range: the model has \(shape[1]) classes")
                }
                return index
            }
            guard !units.isEmpty else { throw classes.error("name at least one class") }
            return
        }

        let layerNode = try mapping.required("layer")
        let layer: Model.Layer
        do { layer = try model.requireLayer(try layerNode.string()) } catch let error as VizError {
            throw layerNode.error(error.message)
        }
        layerName = layer.name
        targetNode = layer.outputNode
        let shape = model.outputShape(of: layer)
        guard shape.count == 3 else {
            throw layerNode.error(
                "layer '\(layer.name)' has output shape \(ShapeCheck.describe([-1] + shape)); filters needs a 4-D (batch, height, width, channels) output"
            )
        }
        guard model.node(targetNode, dependsOn: inputNode) else {
            throw layerNode.error("layer '\(layer.name)' does not depend on the model's input")
        }
        if case .neuron(let y, let x) = objective, shape[0] > 0, shape[1] > 0, y >= shape[0] || x >= shape[1] {
            throw mapping.optional("objective")!.error(
                "neuron [\(y), \(x)] is outside layer '\(layer.name)''s \(shape[0])x\(shape[1]) output")
        }
        let available = shape[2]
        if let node = mapping.optional("filters") {
            if node.isMapping {
                var count = 0
                let reference = try mapping.runReference(node) { reference in
                    let countNode = try reference.required("most_active")
                    count = try countNode.int(atLeast: 1)
                    guard available < 0 || count <= available else {
                        throw countNode.error(
                            "most_active \(count) is out of range: layer '\(layer.name)' has \(available) channels")
                    }
                    return .channelMeans(layers: [layer.name])
                }
                mostActive = (reference, count)
            } else if node.isSequence {
                units = try node.sequence().map { item in
                    let index = try item.int()
                    guard index >= 0 else { throw item.error("filters are counted from 0") }
                    guard available < 0 || index < available else {
                        throw item.error("filter \(index) is out of range: layer '\(layer.name)' has \(available) channels")
                    }
                    return index
                }
                guard !units.isEmpty else { throw node.error("name at least one filter") }
            } else {
                let count = try node.int()
                guard count > 0 else { throw node.error("filters must be at least 1") }
                guard available < 0 || count <= available else {
                    throw node.error("filters \(count) is out of range: layer '\(layer.name)' has \(available) channels")
                }
                units = Array(0..<count)
            }
        } else {
            units = Array(0..<(available > 0 ? min(64, available) : 64))
        }
    }
}
