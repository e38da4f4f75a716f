import VizCore

/// The `filters` run's options (see Docs/config.md), checked against the model.
struct FiltersOptions {
    enum Start: Equatable {
        /// Uniform in `low ..< high`, a fresh draw per pattern from one seeded generator.
        case uniform(low: Float, high: Float)
        /// The same (H, W, C) array for every pattern.
        case array(Tensor)
        /// DeepDream: a photo at the patterns' size, taken into the model's input space by the
        /// config's preprocessing at run time.
        case photo(Bitmap)
    }

    /// The layer the artifacts are filed under (for `class`, the model's prediction layer).
    var layerName = ""
    var inputNode = 0
    var targetNode = 0
    var objective = Objective.channel
    /// A composed objective (`{sum: [...]}`): its `samples` are the units, optimised as one batch.
    var composed: ComposedObjective?
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
    /// DeepDream's octaves (with a `photo` start): how many, and the size ratio between neighbours.
    var octaves = 1
    var octaveScale = 1.3
    var batch = 8
    var imagesPerRow = 8
    var margin = 5
    var tile = 64
    var regularizers = Regularizers()
    var modifiers = Modifiers()
    /// Applied every step, in this order, before the modifiers.
    var transforms: [any ImageTransform] = []
    var parameterization = Parameterization.pixel
    var bgr = false
    /// Frames of the optimisation to keep as an animated GIF per pattern; 0 = no GIF.
    var gifFrames = 0
    /// Hundredths of a second per GIF frame.
    var gifDelay = 10

    /// `filter` or `class`: what a unit is called in file names and messages.
    var unitName: String { composed != nil ? "sample" : objective == .unit ? "class" : "filter" }

    init() {}

    init(_ mapping: ConfigMapping, model: Model) throws {
        let graph = model.graph
        guard graph.inputNodes.count == 1, let input = graph.inputNodes.first else {
            throw mapping.owner.error("filters needs a model with one input, this one has \(graph.inputNodes.count)")
        }
        inputNode = input
        let inputShape = model.inputShape
        guard inputShape.count == 3 else {
            throw mapping.owner.error(
                "filters needs an image input (height, width, channels), the model takes \(ShapeCheck.describe([-1] + inputShape))"
            )
        }
        guard inputShape[2] > 0 else { throw mapping.owner.error("the model's input has an unknown number of channels") }
        channels = inputShape[2]

        // A problem in one group of options is recorded, and its keys counted as read, so that the
        // other groups are still checked and every problem is reported at once.
        func read(_ keys: String..., with reader: () throws -> Void) {
            do { try reader() } catch {
                mapping.record(error, at: mapping.owner)
                keys.forEach { mapping.ignore($0) }
            }
        }
        read("objective", "layer", "filters", "samples") { try readObjective(mapping, model: model) }
        parameterization = mapping.value("parameterization", default: parameterization) {
            try Self.parameterization($0, channels: channels)
        }
        read("size", "start") { try readSizeAndStart(mapping, inputShape: inputShape) }
        read("parameterization") { try checkPyramidFits(mapping) }
        read("octaves", "octave_scale") { try readOctaves(mapping, inputShape: inputShape) }
        read("optimizer", "step_size", "learning_rate") { try readOptimizer(mapping) }
        steps = mapping.int("steps", default: steps, atLeast: 1)
        batch = mapping.int("batch", default: batch, atLeast: 1)
        if composed != nil { batch = units.count }
        imagesPerRow = mapping.int("images_per_row", default: imagesPerRow, atLeast: 1)
        margin = mapping.int("margin", default: margin, atLeast: 0)
        tile = mapping.int("tile", default: tile, atLeast: 1)
        regularizers = mapping.value("regularizers", default: regularizers, Self.regularizers)
        modifiers = mapping.value("modifiers", default: modifiers, Self.modifiers)
        read("transforms") { try readTransforms(mapping, inputShape: inputShape) }
        (gifFrames, gifDelay) = mapping.value("gif", default: (gifFrames, gifDelay), Self.gif)
        bgr = mapping.value("channel_order", default: bgr) { try $0.choice(among: ["rgb", "bgr"]) == "bgr" }
        try mapping.finish()
    }
}
