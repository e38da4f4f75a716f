import VizCore
import VizImage

/// Filter patterns by gradient ascent, as Deep Learning with Python 5.4.2 draws them: for each
/// filter, the input that maximises the mean of its channel, grown from a noisy grey start by
/// normalised gradient steps, deprocessed to 8 bits, and laid out in a grid.
///
/// Departures from the book, all optional: several filters are optimised together as one batch;
/// Adam or RMSprop may replace the normalised step; total-variation and Lp penalties, and random
/// jitter, rotation and scaling of the input before each step (Lucid, tf-keras-vis); a neuron or
/// a class score may replace the channel mean as the objective; a photo may replace the noise
/// (DeepDream, stepped at octaves as the TensorFlow tutorial does).
public final class FiltersVisualizer: Visualizer {
    public static let name = "filters"
    public static let summary = "filter patterns by gradient ascent in input space (DLwP 5.4.2)"
    public static let readsInputs = false
    public static let roles = [grid, pattern, animation, dream]
    static let grid = ArtifactRole("grid", title: "filter pattern grid", prominence: .wide)
    static let pattern = ArtifactRole("pattern", title: "filter pattern")
    static let animation = ArtifactRole("animation", title: "optimisation animation")
    static let dream = ArtifactRole("dream", title: "DeepDream image")

    private var options = FiltersOptions()

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try FiltersOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        var options = self.options
        if let mostActive = options.mostActive {
            options.units = try context.results(of: mostActive.reference).mostActiveChannels(
                mostActive.count, of: options.layerName)
        }
        var ascent = Ascent(
            graph: context.model.graph, inputNode: options.inputNode, targetNode: options.targetNode,
            objective: options.objective, optimizer: options.optimizer,
            regularizers: options.regularizers, modifiers: options.modifiers,
            transforms: TransformChain(
                transforms: options.transforms,
                inputMapping: context.inputMapping ?? .levels(channels: options.channels)),
            steps: options.steps,
            imageMaker: Self.imageMaker(options, inputMapping: context.inputMapping))
        ascent.composed = options.composed
        let dream = Self.deepDream(options, inputMapping: context.inputMapping)
        let starts = Self.starts(options, inputMapping: context.inputMapping)
        let batches = stride(from: 0, to: options.units.count, by: options.batch).map {
            $0..<min($0 + options.batch, options.units.count)
        }
        let progress = context.progressBar(
            "filters \(options.layerName)", total: options.steps * options.octaves * batches.count)
        var tiles: [Bitmap] = []
        for (index, range) in batches.enumerated() {
            let units = Array(options.units[range])
            let start = Tensor.concatenatingBatches(range.map { starts[$0] })
            let gifSteps = options.gifSteps
            var frames: [[Bitmap]] =
                gifSteps.isEmpty
                ? [] : Self.frames(of: ascent.imageMaker.image(start).rgb ?? start, options: options, dream: dream)
            let onStep = { (step: Int, x: Tensor) in
                progress.advance()
                guard gifSteps.contains(step) else { return }
                for (item, frame) in Self.frames(of: x, options: options, dream: dream).enumerated() {
                    frames[item].append(frame[0])
                }
            }
            let seed = Self.modifierSeed(options.seed, batch: index)
            let result: Ascent.Result
            do {
                if let dream {
                    result = try dream.run(ascent, start: start, units: units, seed: seed, onStep: onStep)
                } else {
                    result = try ascent.run(start: start, units: units, seed: seed, onStep: onStep)
                }
            } catch let error as VizError {
                throw VizError(error.message, at: error.location ?? options.layerName)
            }
            for (item, unit) in units.enumerated() {
                let pattern = result.patterns.batchItem(item)
                let what = "layer \(options.layerName) \(options.unitName) \(unit)"
                guard pattern.scalars.allSatisfy(\.isFinite) else {
                    throw VizError("the pattern of \(what) diverged to NaN or infinity; try a smaller step_size or learning_rate")
                }
                if result.dead[item] {
                    context.log("filters: \(what) is dead (zero gradient): pattern left at its start")
                } else if result.objectiveDead[item] {
                    context.log("filters: \(what) is dead (zero gradient): pattern shaped by the regularizers only")
                }
                let image = Self.picture(result.pictures?.batchItem(item) ?? pattern, options: options, dream: dream)
                let isClass = options.objective == .unit
                let artifact = Artifact(
                    role: dream == nil ? Self.pattern.name : Self.dream.name,
                    name: [options.layerName, "\(options.unitName)_\(unit)"],
                    layer: options.layerName, filter: isClass || options.composed != nil ? nil : unit,
                    classIndex: isClass ? unit : nil)
                if context.sink.wantsArrays { try context.sink.add(artifact, array: pattern) }
                try context.sink.add(artifact, image: image)
                if !frames.isEmpty {
                    var animation = artifact
                    animation.role = Self.animation.name
                    try context.sink.add(animation, animation: frames[item], frameDelay: options.gifDelay)
                }
                tiles.append(
                    image.width == options.tile && image.height == options.tile
                        ? image : image.resized(width: options.tile, height: options.tile, filter: .bilinear))
            }
        }
        guard dream == nil else { return }
        let grid = Bitmap.grid(tiles: tiles, columns: options.imagesPerRow, margin: options.margin, background: 0)
        try context.sink.add(
            Artifact(role: Self.grid.name, name: [options.layerName, "grid"], layer: options.layerName), image: grid)
    }

    /// Each batch item of `x` (pixels, or drawn pictures) drawn, as a one-frame list to start an animation with.
    static func frames(of x: Tensor, options: FiltersOptions, dream: DeepDream?) -> [[Bitmap]] {
        (0..<x.shape[0]).map { item in [picture(x.batchItem(item), options: options, dream: dream)] }
    }

    /// One item (1, H, W, C): the book's deprocessing of pixels, a drawn picture's 0…1 levels as
    /// they are, or a dream through the inverse preprocessing (at the photo's size: a smaller
    /// octave's frame is resized bilinearly).
    static func picture(_ item: Tensor, options: FiltersOptions, dream: DeepDream?) -> Bitmap {
        if let dream {
            let picture = dream.picture(of: item)
            guard picture.width != options.width || picture.height != options.height else { return picture }
            return picture.resized(width: options.width, height: options.height, filter: .bilinear)
        }
        let pattern = item.reshaped(Array(item.shape.dropFirst()))
        guard options.parameterization == .pixel else { return Deprocess.valid(pattern) }
        return Deprocess.bitmap(pattern, bgr: options.bgr)
    }

    /// The ascent's parameterisation, mapped into the model's input space by the config's preprocessing.
    static func imageMaker(_ options: FiltersOptions, inputMapping: InputMapping?) -> ImageMaker {
        let (height, width, channels) = (options.height, options.width, options.channels)
        let mapping = inputMapping ?? .levels(channels: channels)
        switch options.parameterization {
        case .pixel: return .pixel
        case .fourier(let decayPower, let decorrelate, let sigmoid):
            return .drawn(
                FourierImage(
                    height: height, width: width, channels: channels, decayPower: decayPower, decorrelate: decorrelate,
                    sigmoid: sigmoid, inputMapping: mapping))
        case .laplacian(let levels, let decorrelate, let sigmoid):
            return .drawn(
                LaplacianPyramid(
                    height: height, width: width, channels: channels, levels: levels, decorrelate: decorrelate,
                    sigmoid: sigmoid, inputMapping: mapping))
        }
    }

    /// DeepDream's octaves and preprocessing, when the start is a photo.
    static func deepDream(_ options: FiltersOptions, inputMapping: InputMapping?) -> DeepDream? {
        guard case .photo = options.start else { return nil }
        return DeepDream(
            octaves: options.octaves, octaveScale: options.octaveScale,
            inputMapping: inputMapping ?? .levels(channels: options.channels))
    }

    /// The seed of a batch's modifier draws: derived from `start.seed`, apart from the start's stream.
    static func modifierSeed(_ seed: UInt64, batch: Int) -> UInt64 {
        (seed &+ UInt64(batch + 1)) &* 0xD6E8_FEB8_6659_FD93
    }

    /// One start per unit, (1, H, W, C): uniform draws from one generator seeded by `start.seed`, in
    /// unit order (so a pattern does not depend on `batch`), or the given array for all. With `fft`
    /// or `laplacian`, Lucid's parameters from N(0, 0.01²) drawn the same way; with a photo, its
    /// input under `inputMapping` for all.
    static func starts(_ options: FiltersOptions, inputMapping: InputMapping? = nil) -> [Tensor] {
        let shape = [1, options.height, options.width, options.channels]
        if case .drawn(let drawn) = imageMaker(options, inputMapping: nil) {
            var generator = SeededGenerator(seed: options.seed)
            return options.units.map { _ in drawn.randomStart(batch: 1, generator: &generator) }
        }
        switch options.start {
        case .array(let array):
            return Array(repeating: array.reshaped(shape), count: options.units.count)
        case .photo(let photo):
            let input = deepDream(options, inputMapping: inputMapping)!.input(of: photo)
            return Array(repeating: input, count: options.units.count)
        case .uniform(let low, let high):
            var generator = SeededGenerator(seed: options.seed)
            let count = shape.reduce(1, *)
            return options.units.map { _ in
                Tensor(shape: shape, scalars: (0..<count).map { _ in low == high ? low : generator.uniform(low, high) })
            }
        }
    }
}
