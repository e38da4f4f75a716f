import Foundation
import VizCore
import VizImage

/// Carries out a config: load the model, check every run's options, prepare the inputs, run each
/// visualizer, and write the artifacts and `manifest.json`.
public final class Runner {
    public static let version = "0.1.0"

    public let registry: Registry
    /// Where progress lines go (stderr in the command, nowhere in tests).
    public var log: (String) -> Void
    /// Whether visualizers draw progress bars (on stderr, when it is a terminal).
    public var showsProgress: Bool

    public init(registry: Registry, log: @escaping (String) -> Void = { _ in }, showsProgress: Bool = false) {
        self.registry = registry
        self.log = log
        self.showsProgress = showsProgress
    }

    /// A config whose plugins are loaded, model loaded and every run's visualizer configured.
    public struct Plan {
        public let config: RunConfig
        public let model: Model
        public let runs: [(spec: RunConfig.RunSpec, visualizer: Visualizer)]
    }

    /// Everything that can be wrong with a config short of its inputs' contents, found before any
    /// heavy work starts: `run` begins with it, and `vizrun validate` stops after it.
    public func plan(configAt path: String, outputDirectory: String? = nil) throws -> Plan {
        var config = try RunConfig.load(file: path)
        if let outputDirectory { config.output.dir = URL(fileURLWithPath: outputDirectory).standardizedFileURL.path }
        for library in config.plugins { try registry.loadPlugin(at: library) }
        let loader = try registry.loader(for: config.model)
        let model = try loader.load(config.model)
        if let labels = config.model.labels { model.labels = try Self.readLabels(labels) }

        // Every run's options are checked against the model before any heavy work starts.
        var visualizers: [(spec: RunConfig.RunSpec, visualizer: Visualizer)] = []
        for spec in config.runs {
            let visualizer: Visualizer
            do { visualizer = try registry.visualizer(named: spec.visualizer) } catch let error as VizError {
                throw spec.node.error(error.message)
            }
            try visualizer.configure(spec.options, model: model)
            visualizers.append((spec, visualizer))
        }
        return Plan(config: config, model: model, runs: visualizers)
    }

    /// Runs the config at `path`, writing to `outputDirectory` if given instead of the config's
    /// `output.dir`; returns the manifest it wrote.
    @discardableResult
    public func run(configAt path: String, force: Bool = false, outputDirectory: String? = nil) throws -> Manifest {
        let plan = try plan(configAt: path, outputDirectory: outputDirectory)
        let (config, model, visualizers) = (plan.config, plan.model, plan.runs)

        let inputs = try InputPreparation(config: config.input, model: model).prepareAll()
        let folder = try OutputFolder(path: config.output.dir, force: force)
        do {
            var runs: [Manifest.RunRecord] = []
            for (spec, visualizer) in visualizers {
                log("\(spec.name): \(spec.visualizer) on \(inputs.count) input(s)")
                let sink = RunSink(folder: folder, runName: SafeName.component(spec.name),
                                   wantsArrays: config.output.arrays)
                let started = DispatchTime.now()
                let passSecondsBefore = model.graph.passSeconds
                try visualizer.run(RunContext(model: model, inputs: inputs, runName: spec.name, sink: sink,
                                              showsProgress: showsProgress, log: log))
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                let millisecond = { (seconds: Double) in (seconds * 1000).rounded() / 1000 }
                runs.append(Manifest.RunRecord(name: spec.name, visualizer: spec.visualizer, seconds: millisecond(seconds),
                                               computeSeconds: millisecond(model.graph.passSeconds - passSecondsBefore),
                                               artifacts: sink.records,
                                               predictions: sink.predictions.isEmpty ? nil : sink.predictions))
            }
            let manifest = Manifest(
                vizrun: Self.version,
                model: Manifest.ModelRecord(path: model.path, loader: model.loaderName,
                                            layers: model.layers.count,
                                            inputShape: model.inputShape.map { $0 < 0 ? nil : $0 }),
                inputs: inputs.map { Manifest.InputRecord(id: $0.id, path: $0.path, shape: Array($0.tensor.shape.dropFirst())) },
                runs: runs)
            try folder.commit(manifest)
            log("wrote \(runs.reduce(0) { $0 + $1.artifacts.count }) artifacts and manifest.json to \(folder.root.path)")
            return manifest
        } catch {
            folder.discard()
            throw error
        }
    }

    /// One class name per line; surrounding spaces and a trailing empty line are ignored.
    static func readLabels(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw VizError("cannot read the labels file as UTF-8 text", at: path)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw VizError("the labels file is empty", at: path) }
        return lines
    }
}
