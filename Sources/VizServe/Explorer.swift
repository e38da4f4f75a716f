import Foundation
import VizCore
import VizImage
import VizRunner

/// One model explored in the browser: its inputs, and what has been computed for them.
///
/// The model runs one request at a time on a queue of its own (each op already uses every core,
/// and the engine's buffers are not shared between passes), so two tabs asking at once wait for
/// each other instead of corrupting each other's results; the server's threads stay free to answer
/// from the caches meanwhile. Results are cached by what they depend on: a layer's activations per
/// (input, layer), a map per (input, method, layer, class), a pattern per (layer, channel).
public final class Explorer: @unchecked Sendable {
    public let model: Model
    let modelSpec: ModelSpec
    let registry: Registry
    /// The config's `input` section (or the model's defaults): how every input is prepared, and
    /// what a saved config repeats.
    let inputConfig: RunConfig.InputConfig
    let preparation: InputPreparation
    /// Where uploads are kept, so that a saved config can list them.
    let uploadFolder: URL
    let jobs = FilterJobs()

    /// One queue for every explorer of the process: the engine's buffers and oneDNN's primitives
    /// are the process's, so two models must not run at once either.
    private var queue: DispatchQueue { Self.modelQueue }
    private static let modelQueue = DispatchQueue(label: "vizrun.serve.model")
    private let sourcesLock = NSLock()
    private var sourceList: [InputPreparation.Source]
    // Touched only on `queue`.
    private var prepared = RecentCache<String, RunInput>(capacity: 32)
    private var activationPassCount = 0
    // Touched only under `cacheLock`, briefly: answers from the caches never wait for the model.
    private let cacheLock = NSLock()
    private var activationCache = RecentCache<[String], LayerActivations>(capacity: 64)
    private var attributionCache = RecentCache<AttributionKey, ResultSink>(capacity: 64)
    private var predictionCache = RecentCache<String, [Prediction]>(capacity: 64)
    private var patternCache = RecentCache<[String], ResultSink>(capacity: 256)

    /// How many times a layer's activations were computed rather than found in the cache.
    var activationPasses: Int { queue.sync { activationPassCount } }

    struct AttributionKey: Hashable {
        let input: String
        let view: View
    }

    /// `modelPath` (or the config's model when nil) with the config's inputs and preprocessing,
    /// and the images of `imagesFolder`; uploads go to `uploadFolder`.
    public init(
        modelPath: String?, loader: String? = nil, labels: String? = nil, configPath: String? = nil,
        imagesFolder: String? = nil, registry: Registry, uploadFolder: URL
    ) throws {
        var spec: ModelSpec?
        var input = RunConfig.InputConfig(images: [])
        if let configPath {
            let (config, problems) = try RunConfig.load(file: configPath)
            try VizErrors.throwIfAny(problems)
            for library in config.plugins { try registry.loadPlugin(at: library) }
            spec = config.model
            input = config.input
        }
        if let modelPath {
            let path = URL(fileURLWithPath: modelPath).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else { throw VizError("no such model file", at: path) }
            spec = ModelSpec(path: path, loader: loader)
        }
        if let labels {
            let path = URL(fileURLWithPath: labels).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else { throw VizError("no such labels file", at: path) }
            spec?.labels = path
        }
        guard let spec else { throw VizError("name a model file, or a config whose model to serve (--config)") }
        if let imagesFolder {
            let folder = URL(fileURLWithPath: imagesFolder).standardizedFileURL.path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw VizError("no such folder", at: folder)
            }
            let found = RunConfig.images(inFolder: folder)
            guard !found.isEmpty else { throw VizError("the folder holds no .jpg, .jpeg, .png or .npy file", at: folder) }
            let added = found.filter { !input.images.contains($0) }
            input.images += added
        }
        let model = try registry.loadModel(spec)
        if let labels = spec.labels { model.labels = try Runner.readLabels(labels) }
        try FileManager.default.createDirectory(at: uploadFolder, withIntermediateDirectories: true)
        self.model = model
        self.modelSpec = spec
        self.registry = registry
        self.inputConfig = input
        let preparation = InputPreparation(config: input, model: model)
        self.preparation = preparation
        self.uploadFolder = uploadFolder
        self.sourceList = preparation.sources
    }

    // MARK: - Inputs

    var sources: [InputPreparation.Source] { sourcesLock.withLock { sourceList } }

    func source(_ id: String) throws -> InputPreparation.Source {
        guard let source = sources.first(where: { $0.id == id }) else { throw ServeError.notFound("no input named '\(id)'") }
        return source
    }

    /// The input as the network sees it before scaling (the run's `inputs/ID.png`).
    func picture(input id: String) async throws -> Bitmap {
        let source = try source(id)
        return try await onModelQueue {
            let input = try self.prepare(source)
            guard let picture = self.preparation.picture(of: input) else {
                throw ServeError.notFound("input '\(id)' has no picture (an array that is not one or three channels)")
            }
            return picture
        }
    }

    /// Keeps `data` (a JPEG, a PNG or an `.npy` array, at most `ServeLimits.upload` bytes) as a new
    /// input named after `name`; refused, and nothing kept, when it is not an input the model can take.
    func addUpload(_ data: Data, name: String) async throws -> InputPreparation.Source {
        guard let ext = Self.inputExtension(of: data) else {
            throw ServeError(
                status: .unsupportedMediaType, message: "the upload '\(name)' is not a JPEG or PNG image or an .npy array")
        }
        let base = SafeName.component(((name as NSString).lastPathComponent as NSString).deletingPathExtension)
        return try await onModelQueue {
            let source: InputPreparation.Source = self.sourcesLock.withLock {
                var taken = Set(self.sourceList.map(\.id))
                let id = SafeName.unique(base, taken: &taken)
                return InputPreparation.Source(id: id, path: self.uploadFolder.appendingPathComponent("\(id).\(ext)").path)
            }
            try data.write(to: URL(fileURLWithPath: source.path))
            do {
                _ = try self.prepare(source)
            } catch {
                try? FileManager.default.removeItem(atPath: source.path)
                guard let problem = VizErrors.unpack(error)?.first else { throw error }
                throw ServeError.badRequest("the upload '\(name)' cannot be read: \(problem.message)")
            }
            self.sourcesLock.withLock { self.sourceList.append(source) }
            return source
        }
    }

    /// The kind of input `data` is, by its signature, as the extension an input file of it has.
    private static func inputExtension(of data: Data) -> String? {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpg" }
        // An array as a config's .npy input takes it: already preprocessed.
        if data.starts(with: [0x93] + Array("NUMPY".utf8)) { return "npy" }
        return nil
    }

    // MARK: - Layers

    func layer(_ name: String) throws -> Model.Layer {
        guard let layer = model.layer(named: name) else { throw ServeError.notFound("no layer named '\(name)'") }
        return layer
    }

    /// The layer's channel count when its output is an image (height, width, channels) of known depth.
    func channelCount(of layer: Model.Layer) -> Int? {
        let shape = model.outputShape(of: layer)
        return shape.count == 3 && shape[2] > 0 ? shape[2] : nil
    }

    // MARK: - Results

    /// A layer's output for an input: the activations run over that layer, every channel drawn.
    func activations(input id: String, layer name: String) async throws -> LayerActivations {
        let source = try source(id)
        let layer = try layer(name)
        return try await cached(\.activationCache, [id, layer.name]) {
            let input = try self.prepare(source)
            // A layer whose depth the model leaves open is measured by a first pass.
            let channels =
                try self.channelCount(of: layer)
                ?? self.run(.activations(layer: layer.name, channels: []), inputs: [input])
                .array(role: "activation").map { $0.1.rank == 4 ? $0.1.shape[3] : 0 } ?? 0
            let sink = try self.run(.activations(layer: layer.name, channels: Array(0..<channels)), inputs: [input])
            self.activationPassCount += 1
            return try LayerActivations(sink, channels: channels, layer: layer.name)
        }
    }

    /// The input's predictions, best first, as a `gradcam` run lists them.
    func predictions(input id: String) async throws -> [Prediction] {
        let source = try source(id)
        return try await cached(\.predictionCache, id) {
            // Eigen-CAM needs no backward pass: the cheapest run that lists every class's score.
            try self.run(
                rawOptions: "{method: eigencam, top: \(Int32.max)}", visualizer: "gradcam", inputs: [self.prepare(source)]
            ).predictions
        }
    }

    /// A class-activation map or attribution of one class for an input.
    func attribution(input id: String, view: View) async throws -> ResultSink {
        let source = try source(id)
        if case .attribution(_, let layer?, _) = view { _ = try self.layer(layer) }
        return try await cached(\.attributionCache, AttributionKey(input: id, view: view)) {
            try self.run(view, inputs: [self.prepare(source)])
        }
    }

    /// A filter pattern already computed, if any.
    func cachedPattern(layer: String, channel: Int) -> ResultSink? {
        cacheLock.withLock { patternCache.value([layer, String(channel)]) }
    }

    /// Computes one filter pattern (on the model's queue, between other requests), telling
    /// `onStep` (done, total) at each step of the ascent.
    func pattern(layer: String, channel: Int, onStep: ((Int, Int) -> Void)? = nil) async throws -> ResultSink {
        try await cached(\.patternCache, [layer, String(channel)]) {
            try self.run(.filter(layer: layer, channel: channel), inputs: [], onStep: onStep)
        }
    }

    /// The value cached for `key`, found without waiting for the model; else `compute`, run on
    /// the model's queue (once: a request that waited there while another computed it finds it).
    private func cached<Key: Hashable, Value>(
        _ cache: ReferenceWritableKeyPath<Explorer, RecentCache<Key, Value>>, _ key: Key,
        compute: @escaping () throws -> Value
    ) async throws -> Value {
        if let value = cacheLock.withLock({ self[keyPath: cache].value(key) }) { return value }
        return try await onModelQueue {
            if let value = self.cacheLock.withLock({ self[keyPath: cache].value(key) }) { return value }
            let value = try compute()
            self.cacheLock.withLock { self[keyPath: cache].store(value, for: key) }
            return value
        }
    }

    // MARK: - Running visualizers

    private func prepare(_ source: InputPreparation.Source) throws -> RunInput {
        if let cached = prepared.value(source.id) { return cached }
        let input = try preparation.prepare(source)
        prepared.store(input, for: source.id)
        return input
    }

    private func run(_ view: View, inputs: [RunInput], onStep: ((Int, Int) -> Void)? = nil) throws -> ResultSink {
        try run(rawOptions: view.options, visualizer: view.visualizer, inputs: inputs, onStep: onStep)
    }

    /// Configures the visualizer with `rawOptions` as a config's run would be, and runs it.
    private func run(
        rawOptions: String, visualizer name: String, inputs: [RunInput], onStep: ((Int, Int) -> Void)? = nil
    ) throws -> ResultSink {
        let visualizer = try registry.visualizer(named: name)
        let options = try ConfigNode.parse(yaml: rawOptions, file: "request").mapping()
        try visualizer.configure(options, model: model)
        let sink = ResultSink()
        try visualizer.run(
            RunContext(model: model, inputs: inputs, runName: name, sink: sink, progressObserver: onStep))
        return sink
    }

    private func onModelQueue<T>(_ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// One layer's output for one input, drawn as the activations run draws it.
struct LayerActivations {
    /// Without the batch axis, as the run's `.npy` holds it.
    let activation: Tensor
    let stats: LayerStats?
    /// The grid of every channel as PNG, for an image-shaped output: encoded once, served often.
    let gridPNG: Data?
    /// Each channel alone, by index.
    let channels: [Bitmap]

    init(_ sink: ResultSink, channels: Int, layer: String) throws {
        guard let found = sink.array(role: "activation") else {
            throw VizError("the activations run drew nothing for this layer", at: layer)
        }
        activation = found.1.withoutBatchAxis
        stats = found.0.stats
        gridPNG = try sink.image(role: "grid")?.pngData()
        self.channels = try (0..<channels).map { channel in
            guard let image = sink.image(role: "channel", channel: channel) else {
                throw VizError("the activations run did not draw channel \(channel)", at: layer)
            }
            return image
        }
    }

    /// One channel's values, (height, width).
    func channel(_ index: Int) -> Tensor {
        let (height, width, depth) = (activation.shape[0], activation.shape[1], activation.shape[2])
        let values = activation.scalars.withUnsafeBufferPointer { buffer in
            (0..<(height * width)).map { buffer[$0 * depth + index] }
        }
        return Tensor(shape: [height, width], scalars: values)
    }
}
