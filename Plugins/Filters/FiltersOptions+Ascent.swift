import VizCore

/// How the ascent runs: the pattern's size and start, the optimiser, regularisers, input modifiers and GIF frames.
extension FiltersOptions {
    mutating func readSizeAndStart(_ mapping: ConfigMapping, inputShape: [Int]) throws {
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
            if parameterization != .pixel { try checkDrawnStart(node) }
            if node.isMapping {
                let startMapping = try node.mapping()
                if let imageNode = startMapping.optional("image") {
                    try readPhoto(imageNode, settings: startMapping, size: &size)
                } else {
                    var (low, high): (Float, Float) = (128, 148)
                    if let value = startMapping.optional("low") { low = Float(try value.double()) }
                    if let value = startMapping.optional("high") { high = Float(try value.double()) }
                    guard low <= high else { throw node.error("start needs low <= high") }
                    seed = UInt64(try startMapping.optional("seed")?.int(atLeast: 0) ?? Int(seed))
                    try startMapping.finish()
                    start = .uniform(low: low, high: high)
                }
            } else {
                let path = try node.path()
                var array: Tensor
                do { array = try Tensor(npyFileAt: path) } catch let error as VizError { throw node.error(error.message) }
                if array.rank == 4, array.shape[0] == 1 { array = array.reshaped(Array(array.shape.dropFirst())) }
                guard array.rank == 3, array.shape[2] == channels else {
                    throw node.error(
                        "the start array must be (height, width, \(channels)), got \(ShapeCheck.describe(array.shape))")
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
            throw mapping.owner.error(
                "the model accepts any input size \(ShapeCheck.describe([-1] + inputShape)); set `size: [height, width]` for the patterns"
            )
        }
        (height, width) = (h, w)
    }

    /// With `fft` or `laplacian` the start is Lucid's: parameters drawn from N(0, 0.01²), seeded by `start.seed`.
    private func checkDrawnStart(_ node: ConfigNode) throws {
        let onlySeed = "with parameterization \(parameterization.kind) only start.seed applies"
        guard node.isMapping else { throw node.error("a start array sets pixels; \(onlySeed)") }
        for key in ["low", "high"] {
            if let value = try node.mapping().optional(key) {
                throw value.error("start.\(key) sets pixel noise; \(onlySeed)")
            }
        }
    }

    // MARK: - Optimiser, regularisers, modifiers

    mutating func readOptimizer(_ mapping: ConfigMapping) throws {
        var name = "normalized"
        let nameNode = mapping.optional("optimizer")
        if let nameNode, nameNode.isMapping {
            for key in ["step_size", "learning_rate"] {
                if let node = mapping.optional(key) {
                    throw node.error("\(key) applies to `optimizer: NAME`; {adam: {lr}} sets its own")
                }
            }
            optimizer = try Self.torchAdam(nameNode)
            return
        }
        if let nameNode {
            name = try nameNode.string()
            guard AscentOptimizer.names.contains(name) else {
                let hint = Suggestions.didYouMean(name, among: AscentOptimizer.names)
                throw nameNode.error(
                    "unknown optimizer '\(name)' (known: \(AscentOptimizer.names.joined(separator: ", ")))\(hint)")
            }
        }
        if nameNode == nil, case .photo = start { name = "standardized" }
        let stepNode = mapping.optional("step_size")
        let rateNode = mapping.optional("learning_rate")
        if ["normalized", "standardized"].contains(name) {
            if let rateNode {
                throw rateNode.error("learning_rate applies to adam and rmsprop; the \(name) optimizer takes step_size")
            }
            let stepSize = try stepNode.map { Float(try $0.double()) } ?? (name == "normalized" ? 1 : 0.01)
            optimizer = name == "normalized" ? .normalized(stepSize: stepSize) : .standardized(stepSize: stepSize)
        } else {
            if let stepNode {
                throw stepNode.error(
                    "step_size applies to the normalized and standardized optimizers; \(name) takes learning_rate")
            }
            let rate = try rateNode.map { Float(try $0.double()) } ?? 1
            guard rate > 0 else { throw rateNode!.error("learning_rate must be positive") }
            optimizer = name == "adam" ? .adam(learningRate: rate) : .rmsprop(learningRate: rate)
        }
    }

    /// `{adam: {lr: 0.05, eps: 1e-8}}`: PyTorch's Adam, lucent's defaults.
    private static func torchAdam(_ node: ConfigNode) throws -> AscentOptimizer {
        let mapping = try node.mapping()
        guard mapping.keys == ["adam"] else {
            throw node.error("the optimizer mapping is {adam: {lr: 0.05, eps: 1e-8}} (PyTorch's Adam)")
        }
        let settings = try mapping.required("adam")
        var (rate, epsilon) = (0.05, 1e-8)
        if !settings.isNull {
            let adam = try settings.mapping()
            if let node = adam.optional("lr") {
                rate = try node.double()
                guard rate > 0 else { throw node.error("lr must be positive") }
            }
            if let node = adam.optional("eps") { epsilon = try node.double(atLeast: 0) }
            try adam.finish()
        }
        try mapping.finish()
        return .torchAdam(learningRate: Float(rate), epsilon: Float(epsilon))
    }

    static func regularizers(_ node: ConfigNode) throws -> Regularizers {
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

    static func modifiers(_ node: ConfigNode) throws -> Modifiers {
        let mapping = try node.mapping()
        var result = Modifiers()
        if let value = mapping.optional("jitter") { result.jitter = try value.int(atLeast: 0) }
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

    /// `gif: true` (20 frames, 0.1 s each) or `gif: {frames: N, delay: centiseconds}`: frames and delay.
    static func gif(_ node: ConfigNode) throws -> (frames: Int, delay: Int) {
        guard node.isMapping else { return (try node.bool() ? 20 : 0, 10) }
        let gif = try node.mapping()
        let frames = gif.int("frames", default: 20, atLeast: 1)
        let delay = gif.int("delay", default: 10, atLeast: 1)
        try gif.finish()
        return (frames, delay)
    }

    /// The steps after which a GIF frame is taken (the start is frame 0): evenly spaced, the last
    /// step included, counted across DeepDream's octaves.
    var gifSteps: Set<Int> {
        let steps = steps * octaves
        guard gifFrames > 1, steps > 0 else { return [] }
        let count = min(gifFrames - 1, steps)
        return Set((1...count).map { Int((Double($0) * Double(steps) / Double(count)).rounded()) })
    }
}
