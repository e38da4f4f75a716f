import VizCore

/// The `filters` run's options (see Docs/config.md), checked against the model.
struct FiltersOptions {
    enum Start: Equatable {
        /// Uniform in `low ..< high`, a fresh draw per pattern from one seeded generator.
        case uniform(low: Float, high: Float)
        /// The same (H, W, C) array for every pattern.
        case array(Tensor)
    }

    /// The layer the artifacts are filed under (for `class`, the model's prediction layer).
    var layerName = ""
    var inputNode = 0
    var targetNode = 0
    var objective = Objective.channel
    /// Filter indices (or class indices with the class objective), in the order drawn.
    var units: [Int] = []
    /// `filters: {from: RUN, most_active: N}`: the units are the N channels of the layer with the
    /// highest mean activation in that run, known once it has seen every input.
    var mostActive: (reference: RunReference, count: Int)?
    var steps = 40
    var optimizer = AscentOptimizer.normalized(stepSize: 1)
    var height = 0
    var width = 0
    var channels = 0
    var start = Start.uniform(low: 128, high: 148)
    var seed: UInt64 = 0
    var batch = 8
    var imagesPerRow = 8
    var margin = 5
    var tile = 64
    var regularizers = Regularizers()
    var modifiers = Modifiers()
    var bgr = false
    /// Frames of the optimisation to keep as an animated GIF per pattern; 0 = no GIF.
    var gifFrames = 0
    /// Hundredths of a second per GIF frame.
    var gifDelay = 10

    /// `filter` or `class`: what a unit is called in file names and messages.
    var unitName: String { objective == .unit ? "class" : "filter" }

    init() {}

    init(_ mapping: ConfigMapping, model: Model) throws {
        let graph = model.graph
        guard graph.inputNodes.count == 1, let input = graph.inputNodes.first else {
            throw mapping.owner.error("filters needs a model with one input, this one has \(graph.inputNodes.count)")
        }
        inputNode = input
        let inputShape = model.inputShape
        guard inputShape.count == 3 else {
            throw mapping.owner.error("filters needs an image input (height, width, channels), the model takes \(ShapeCheck.describe([-1] + inputShape))")
        }
        guard inputShape[2] > 0 else { throw mapping.owner.error("the model's input has an unknown number of channels") }
        channels = inputShape[2]

        try readObjective(mapping, model: model)
        try readSizeAndStart(mapping, inputShape: inputShape)

        if let node = mapping.optional("steps") { steps = try Self.positive(node, "steps", allowZero: true) }
        try readOptimizer(mapping)
        if let node = mapping.optional("batch") { batch = try Self.positive(node, "batch") }
        if let node = mapping.optional("images_per_row") { imagesPerRow = try Self.positive(node, "images_per_row") }
        if let node = mapping.optional("margin") { margin = try Self.positive(node, "margin", allowZero: true) }
        if let node = mapping.optional("tile") { tile = try Self.positive(node, "tile") }
        if let node = mapping.optional("regularizers") { regularizers = try Self.regularizers(node) }
        if let node = mapping.optional("modifiers") { modifiers = try Self.modifiers(node) }
        if let node = mapping.optional("gif") { try readGIF(node) }
        if let node = mapping.optional("channel_order") {
            let order = try node.string()
            guard ["rgb", "bgr"].contains(order) else { throw node.error("channel_order is rgb or bgr, not '\(order)'") }
            bgr = order == "bgr"
        }
        try mapping.finish()
    }

    // MARK: - Objective, layer and units

    private mutating func readObjective(_ mapping: ConfigMapping, model: Model) throws {
        var classes: ConfigNode?
        var score = "logit"
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
                throw classes.error("the class objective needs a model whose output is (batch, classes), this one gives \(ShapeCheck.describe(shape))")
            }
            units = try classes.list().map { item in
                let index: Int
                if let value = try? item.int() {
                    index = value
                } else {
                    let label = try item.string()
                    guard let found = model.labels?.firstIndex(of: label) else {
                        throw item.error("no class labelled '\(label)'" + (model.labels == nil ? " (the model has no labels file)" : ""))
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
            throw layerNode.error("layer '\(layer.name)' has output shape \(ShapeCheck.describe([-1] + shape)); filters needs a 4-D (batch, height, width, channels) output")
        }
        guard model.node(targetNode, dependsOn: inputNode) else {
            throw layerNode.error("layer '\(layer.name)' does not depend on the model's input")
        }
        if case .neuron(let y, let x) = objective, shape[0] > 0, shape[1] > 0, y >= shape[0] || x >= shape[1] {
            throw mapping.optional("objective")!.error("neuron [\(y), \(x)] is outside layer '\(layer.name)''s \(shape[0])x\(shape[1]) output")
        }
        let available = shape[2]
        if let node = mapping.optional("filters") {
            if node.isMapping {
                var count = 0
                let reference = try mapping.runReference(node) { reference in
                    let countNode = try reference.required("most_active")
                    count = try Self.positive(countNode, "most_active")
                    guard available < 0 || count <= available else {
                        throw countNode.error("most_active \(count) is out of range: layer '\(layer.name)' has \(available) channels")
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

    // MARK: - Size and start

    private mutating func readSizeAndStart(_ mapping: ConfigMapping, inputShape: [Int]) throws {
        var size: (Int, Int)? = inputShape[0] > 0 && inputShape[1] > 0 ? (inputShape[0], inputShape[1]) : nil
        let sizeNode = mapping.optional("size")
        if let sizeNode {
            let items = try sizeNode.sequence()
            guard items.count == 2 else { throw sizeNode.error("size is [height, width]") }
            let (h, w) = (try items[0].int(), try items[1].int())
            guard h > 0, w > 0 else { throw sizeNode.error("size must be positive") }
            if (inputShape[0] > 0 && inputShape[0] != h) || (inputShape[1] > 0 && inputShape[1] != w) {
                throw sizeNode.error("the model only takes \(ShapeCheck.describe([-1] + inputShape)) inputs, not \(h)x\(w)")
            }
            size = (h, w)
        }
        if let node = mapping.optional("start") {
            if node.isMapping {
                let startMapping = try node.mapping()
                var (low, high): (Float, Float) = (128, 148)
                if let value = startMapping.optional("low") { low = Float(try value.double()) }
                if let value = startMapping.optional("high") { high = Float(try value.double()) }
                guard low <= high else { throw node.error("start needs low <= high") }
                if let value = startMapping.optional("seed") {
                    let number = try value.int()
                    guard number >= 0 else { throw value.error("seed cannot be negative") }
                    seed = UInt64(number)
                }
                try startMapping.finish()
                start = .uniform(low: low, high: high)
            } else {
                let path = try node.path()
                var array: Tensor
                do { array = try Tensor(npyFileAt: path) } catch let error as VizError { throw node.error(error.message) }
                if array.rank == 4, array.shape[0] == 1 { array = array.reshaped(Array(array.shape.dropFirst())) }
                guard array.rank == 3, array.shape[2] == channels else {
                    throw node.error("the start array must be (height, width, \(channels)), got \(ShapeCheck.describe(array.shape))")
                }
                guard array.scalars.allSatisfy(\.isFinite) else { throw node.error("the start array holds NaN or infinity") }
                if let (h, w) = size, (h, w) != (array.shape[0], array.shape[1]) {
                    throw node.error("the start array is \(array.shape[0])x\(array.shape[1]), the patterns \(h)x\(w)")
                }
                size = (array.shape[0], array.shape[1])
                start = .array(array)
            }
        }
        guard let (h, w) = size else {
            throw mapping.owner.error("the model accepts any input size \(ShapeCheck.describe([-1] + inputShape)); set `size: [height, width]` for the patterns")
        }
        (height, width) = (h, w)
    }

    // MARK: - Optimiser, regularisers, modifiers

    private mutating func readOptimizer(_ mapping: ConfigMapping) throws {
        var name = "normalized"
        let nameNode = mapping.optional("optimizer")
        if let nameNode {
            name = try nameNode.string()
            guard AscentOptimizer.names.contains(name) else {
                let hint = Suggestions.didYouMean(name, among: AscentOptimizer.names)
                throw nameNode.error("unknown optimizer '\(name)' (known: \(AscentOptimizer.names.joined(separator: ", ")))\(hint)")
            }
        }
        let stepNode = mapping.optional("step_size")
        let rateNode = mapping.optional("learning_rate")
        if name == "normalized" {
            if let rateNode { throw rateNode.error("learning_rate applies to adam and rmsprop; the normalized optimizer takes step_size") }
            let stepSize = try stepNode.map { Float(try $0.double()) } ?? 1
            optimizer = .normalized(stepSize: stepSize)
        } else {
            if let stepNode { throw stepNode.error("step_size applies to the normalized optimizer; \(name) takes learning_rate") }
            let rate = try rateNode.map { Float(try $0.double()) } ?? 1
            guard rate > 0 else { throw rateNode!.error("learning_rate must be positive") }
            optimizer = name == "adam" ? .adam(learningRate: rate) : .rmsprop(learningRate: rate)
        }
    }

    private static func regularizers(_ node: ConfigNode) throws -> Regularizers {
        let mapping = try node.mapping()
        var result = Regularizers()
        if let value = mapping.optional("total_variation") {
            result.totalVariation = Float(try value.double())
            guard result.totalVariation >= 0 else { throw value.error("weights cannot be negative") }
        }
        if let value = mapping.optional("norm") {
            if value.isMapping {
                let norm = try value.mapping()
                result.normWeight = Float(try norm.required("weight").double())
                if let p = norm.optional("p") {
                    result.normP = Float(try p.double())
                    guard result.normP >= 1 else { throw p.error("p must be at least 1") }
                }
                try norm.finish()
            } else {
                result.normWeight = Float(try value.double())
            }
            guard result.normWeight >= 0 else { throw value.error("weights cannot be negative") }
        }
        try mapping.finish()
        return result
    }

    private static func modifiers(_ node: ConfigNode) throws -> Modifiers {
        let mapping = try node.mapping()
        var result = Modifiers()
        if let value = mapping.optional("jitter") { result.jitter = try positive(value, "jitter", allowZero: true) }
        if let value = mapping.optional("rotate") {
            result.rotate = Float(try value.double())
            guard result.rotate >= 0 else { throw value.error("rotate is the largest angle in degrees, not negative") }
        }
        if let value = mapping.optional("scale") {
            let items = try value.sequence()
            guard items.count == 2 else { throw value.error("scale is [low, high]") }
            let (lo, hi) = (Float(try items[0].double()), Float(try items[1].double()))
            guard lo > 0, lo <= hi else { throw value.error("scale needs 0 < low <= high") }
            result.scale = (lo, hi)
        }
        try mapping.finish()
        return result
    }

    private static func positive(_ node: ConfigNode, _ key: String, allowZero: Bool = false) throws -> Int {
        let value = try node.int()
        guard value > 0 || (allowZero && value == 0) else {
            throw node.error("\(key) must be at least \(allowZero ? 0 : 1)")
        }
        return value
    }
}

extension FiltersOptions {
    /// `gif: true` (20 frames, 0.1 s each) or `gif: {frames: N, delay: centiseconds}`.
    private mutating func readGIF(_ node: ConfigNode) throws {
        if node.isMapping {
            let gif = try node.mapping()
            gifFrames = 20
            if let frames = gif.optional("frames") { gifFrames = try Self.positive(frames, "frames") }
            if let delay = gif.optional("delay") { gifDelay = try Self.positive(delay, "delay") }
            try gif.finish()
        } else {
            gifFrames = try node.bool() ? 20 : 0
        }
    }

    /// The steps after which a GIF frame is taken (the start is frame 0): evenly spaced, the last step included.
    var gifSteps: Set<Int> {
        guard gifFrames > 1, steps > 0 else { return [] }
        let count = min(gifFrames - 1, steps)
        return Set((1...count).map { Int((Double($0) * Double(steps) / Double(count)).rounded()) })
    }
}
