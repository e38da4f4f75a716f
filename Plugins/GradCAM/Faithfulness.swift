import VizCore

/// Whether a map points at the pixels the score depends on: deletion and insertion (Petsiuk et
/// al., 2018, as Xplique's `Deletion` and `Insertion`) and ROAD (Rong et al., 2022, as
/// pytorch-grad-cam's `ROADCombined`). Every perturbed copy of the input goes through the network
/// `batch` at a time.
struct Faithfulness {
    enum Metric: String, CaseIterable {
        case deletion, insertion, road
    }

    /// What deletion removes pixels to and insertion starts from.
    enum Baseline: String, CaseIterable {
        case zero
        /// The input through the RISE paper's blur (`RISEBlur`).
        case blurred
    }

    /// The `metrics:` option of a `gradcam` or `saliency` run (see Docs/config.md).
    struct Options {
        var metrics: [Metric] = []
        var steps = 100
        var baseline = Baseline.zero
        var batch = 32
        var seed: UInt64 = 0

        /// `metrics: [deletion, …]`, or `metrics: {names: [deletion, …], steps: …}`; nil when absent.
        static func reading(_ mapping: ConfigMapping) -> Options? {
            mapping.value("metrics") { node in
                var options = Options()
                if node.isMapping {
                    let settings = try node.mapping()
                    options.metrics = settings.required("names") { try Self.names($0) } ?? []
                    options.steps = settings.int("steps", default: options.steps, atLeast: 1)
                    options.baseline = settings.choice("baseline", default: options.baseline)
                    options.batch = settings.int("batch", default: options.batch, atLeast: 1)
                    options.seed = UInt64(settings.int("seed", default: Int(options.seed), atLeast: 0))
                    try settings.finish()
                } else {
                    options.metrics = try Self.names(node)
                }
                return options
            }
        }

        private static func names(_ node: ConfigNode) throws -> [Metric] {
            var metrics: [Metric] = []
            for item in try node.list() {
                let name = try item.string()
                guard let metric = Metric(rawValue: name) else {
                    throw item.error(Suggestions.unknown("metric", name, among: Metric.allCases.map(\.rawValue)))
                }
                if !metrics.contains(metric) { metrics.append(metric) }
            }
            return metrics
        }
    }

    /// One map's scores: the curves (the score at each step) and their areas, and ROAD.
    struct Scores {
        var deletion: [Float]?
        var insertion: [Float]?
        var road: Double?

        var measures: ArtifactMeasures {
            ArtifactMeasures(
                deletionAUC: deletion.map(Faithfulness.area), insertionAUC: insertion.map(Faithfulness.area), road: road)
        }
    }

    static let percentiles = [10, 20, 30, 40, 50, 60, 70, 80, 90]
    static let roadNoise: Float = 0.01

    let model: Model
    let target: ClassScore
    let options: Options
    /// The standard normals ROAD's imputation `index` adds (0…8 least relevant first at 10…90 %,
    /// 9…17 most relevant first), H·W·C of them; nil draws them from `SeededGenerator(seed:)`.
    var noiseSource: ((_ index: Int, _ count: Int) -> [Float])?

    /// The scores of `map` (H, W) explaining class `classIndex` of `input` (1, H, W, C).
    func scores(of map: Tensor, input: Tensor, classIndex: Int) throws -> Scores {
        let metrics = options.metrics
        var images: [() -> [Float]] = []
        var deletionSteps: [Int] = []
        if metrics.contains(.deletion) || metrics.contains(.insertion) {
            let baseline = options.baseline == .zero ? Tensor(zeros: input.shape) : RISEBlur.blurred(input)
            let order = Self.mostImportantFirst(map.scalars)
            deletionSteps = Self.steps(pixels: map.count, steps: options.steps)
            for metric in [Metric.deletion, .insertion] where metrics.contains(metric) {
                let (start, end) = metric == .deletion ? (input, baseline) : (baseline, input)
                images += deletionSteps.map { flipped in
                    { Self.flipping(order.prefix(flipped), from: start, to: end) }
                }
            }
        }
        if metrics.contains(.road) { images += roadImages(map: map, input: input) }
        let scores = try score(images, input: input, classIndex: classIndex)
        var result = Scores()
        var offset = 0
        for metric in [Metric.deletion, .insertion] where metrics.contains(metric) {
            let curve = Array(scores[offset..<(offset + deletionSteps.count)])
            if metric == .deletion { result.deletion = curve } else { result.insertion = curve }
            offset += deletionSteps.count
        }
        if metrics.contains(.road) {
            let original = scores.last!
            let changes = scores[offset..<(scores.count - 1)].map { Double($0 - original) }
            let count = Self.percentiles.count
            let leastFirst = changes.prefix(count).reduce(0, +) / Double(count)
            let mostFirst = changes.suffix(count).reduce(0, +) / Double(count)
            result.road = (leastFirst - mostFirst) / 2
        }
        return result
    }

    /// The scores of the images `make` builds, `batch` built and run at a time.
    private func score(_ makers: [() -> [Float]], input: Tensor, classIndex: Int) throws -> [Float] {
        var scores: [Float] = []
        scores.reserveCapacity(makers.count)
        for start in stride(from: 0, to: makers.count, by: options.batch) {
            let chunk = makers[start..<min(start + options.batch, makers.count)]
            var scalars: [Float] = []
            scalars.reserveCapacity(chunk.count * input.count)
            for make in chunk { scalars += make() }
            let pass = try ScoreGradients(
                model: model, target: target, batch: Tensor(shape: [chunk.count] + input.shape.dropFirst(), scalars: scalars),
                keeping: [])
            scores += pass.scores(classes: Array(repeating: classIndex, count: chunk.count))
        }
        return scores
    }

    /// ROAD's 18 imputed copies, least relevant removed first then most relevant, each at the
    /// percentiles, and last the input itself, whose score the copies' are measured against.
    private func roadImages(map: Tensor, input: Tensor) -> [() -> [Float]] {
        let (height, width, channels) = (input.shape[1], input.shape[2], input.shape[3])
        let imputation = NoisyLinearImputation(height: height, width: width, channels: channels)
        // pytorch-grad-cam ranks least relevant first by `1 − map`.
        let reversed = map.scalars.map { 1 - $0 }
        var generator = SeededGenerator(seed: options.seed)
        var makers: [() -> [Float]] = []
        for (orderIndex, values) in [reversed, map.scalars].enumerated() {
            for (step, percentile) in Self.percentiles.enumerated() {
                let index = orderIndex * Self.percentiles.count + step
                let noise =
                    noiseSource?(index, input.count) ?? (0..<input.count).map { _ in generator.normal() }
                let threshold = Self.percentile(values, percentile)
                // pytorch-grad-cam keeps the pixels below the percentile and imputes the rest.
                let removed = values.map { !($0 < threshold) }
                makers.append {
                    imputation.imputed(input.scalars, removed: removed, noise: noise, scale: Self.roadNoise)
                }
            }
        }
        makers.append { input.scalars }
        return makers
    }

    // MARK: - Pieces (internal for tests)

    /// Pixel indices from the largest value down, ties taken last index first (as
    /// `np.argsort(map, kind="stable")[::-1]`; Xplique's default sort leaves ties in no set order).
    static func mostImportantFirst(_ values: [Float]) -> [Int] {
        values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 > $1 }
    }

    /// The pixels flipped at each point of the curve: Xplique's
    /// `np.linspace(0, pixels, steps + 1, dtype=np.int32)`, `i · (pixels / steps)` truncated.
    static func steps(pixels: Int, steps: Int) -> [Int] {
        let step = Double(pixels) / Double(steps)
        return (0...steps).map { $0 == steps ? pixels : Int(Double($0) * step) }
    }

    /// `start` (1, H, W, C) with every channel of `pixels` taken from `end`.
    static func flipping(_ pixels: ArraySlice<Int>, from start: Tensor, to end: Tensor) -> [Float] {
        let channels = start.shape[3]
        var scalars = start.scalars
        for pixel in pixels {
            for c in 0..<channels { scalars[pixel * channels + c] = end.scalars[pixel * channels + c] }
        }
        return scalars
    }

    /// The trapezoid area under a curve of evenly spaced points over [0, 1], Xplique's
    /// `mean(s[:-1] + s[1:]) / 2`.
    static func area(_ curve: [Float]) -> Double {
        guard curve.count > 1 else { return Double(curve.first ?? 0) }
        let sum = zip(curve.dropLast(), curve.dropFirst()).reduce(0.0) { $0 + Double($1.0) + Double($1.1) }
        return sum / Double(curve.count - 1) / 2
    }

    /// numpy's `percentile` (linear) of float32 values, in float32 as numpy computes it.
    static func percentile(_ values: [Float], _ percent: Int) -> Float {
        let sorted = values.sorted()
        let position = Double(percent) / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = Float(position - Double(below))
        let (low, high) = (sorted[below], sorted[above])
        let difference = high - low
        return fraction >= 0.5 ? high - difference * (1 - fraction) : low + difference * fraction
    }
}
