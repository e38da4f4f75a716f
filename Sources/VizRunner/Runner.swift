import Foundation
import VizCore
import VizImage

/// Carries out a config: load the model, check every run's options, stream the inputs through
/// every run batch by batch, and write the artifacts, `manifest.json` and `report.html`.
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
    /// heavy work starts: `run` begins with it, and `vizrun validate` stops after it. Every run's
    /// options are checked, so all their problems are reported at once (`VizErrors`).
    public func plan(configAt path: String, outputDirectory: String? = nil) throws -> Plan {
        var (config, problems) = try RunConfig.load(file: path)
        if let outputDirectory { config.output.dir = URL(fileURLWithPath: outputDirectory).standardizedFileURL.path }
        for library in config.plugins { try registry.loadPlugin(at: library) }
        let model = try registry.loadModel(config.model)
        if let labels = config.model.labels { model.labels = try Self.readLabels(labels) }

        // Every run's options are checked against the model before any heavy work starts.
        var visualizers: [(spec: RunConfig.RunSpec, visualizer: Visualizer)] = []
        for spec in config.runs {
            do {
                let visualizer: Visualizer
                do { visualizer = try registry.visualizer(named: spec.visualizer) } catch let error as VizError {
                    throw spec.node.error(error.message)
                }
                try visualizer.configure(spec.options, model: model)
                visualizers.append((spec, visualizer))
            } catch {
                guard let errors = VizErrors.unpack(error) else { throw error }
                problems += errors
            }
        }
        try VizErrors.throwIfAny(problems)
        try Self.checkReferences(of: config.runs)
        return Plan(config: config, model: model, runs: visualizers)
    }

    /// Every run a run's options refer to comes before it and offers what the reference needs.
    /// Runs execute in config order (inputs stream through them batch by batch), so only earlier
    /// runs' results exist; this also rules out cycles.
    static func checkReferences(of runs: [RunConfig.RunSpec]) throws {
        for (index, spec) in runs.enumerated() {
            for reference in spec.options.references {
                guard let target = runs.firstIndex(where: { $0.name == reference.run }) else {
                    let earlier = runs[..<index].map(\.name)
                    let listing =
                        earlier.isEmpty
                        ? "; no run comes before this one"
                        : "; runs before this one: \(earlier.joined(separator: ", "))"
                    let hint =
                        Suggestions.closest(to: reference.run, among: runs.map(\.name)).map { "; did you mean '\($0)'?" }
                        ?? listing
                    throw reference.node.error("no run named '\(reference.run)'\(hint)")
                }
                guard target != index else { throw reference.node.error("run '\(spec.name)' cannot use its own results") }
                guard target < index else {
                    throw reference.node.error(
                        "run '\(reference.run)' comes after run '\(spec.name)'; a run can only use the "
                            + "results of runs listed before it")
                }
                if let shortfall = reference.needs.shortfall(in: runs[target].options.offers) {
                    throw reference.node.error("run '\(reference.run)' (\(runs[target].visualizer)) \(shortfall)")
                }
            }
        }
    }

    /// Reads every input of `plan` as its run would, short of resizing, scaling and the network
    /// (see `InputPreparation.check`): `vizrun validate` finds a bad file before any heavy work.
    public func checkInputs(of plan: Plan) throws {
        let preparation = InputPreparation(config: plan.config.input, model: plan.model)
        for source in preparation.sources { try preparation.check(source) }
    }

    /// Runs the config at `path`, writing to `outputDirectory` if given instead of the config's
    /// `output.dir`, over the inputs of `shard` only if given; returns what it wrote.
    ///
    /// Results are moved into place and listed in the journal batch by batch (a batch while the
    /// next is computed), so an interrupted run loses at most the batch being computed (a failed
    /// write, the one being listed too); a rerun into the same folder reuses every input whose
    /// results are complete there (same model, preprocessing and run options, files present).
    /// Memory holds two batches' results at most, however many inputs there are.
    @discardableResult
    public func run(
        configAt path: String, force: Bool = false, outputDirectory: String? = nil,
        shard: Manifest.Shard? = nil
    ) throws -> WrittenOutput {
        let stopwatch = Stopwatch()
        let plan = try plan(configAt: path, outputDirectory: outputDirectory)
        let (config, model) = (plan.config, plan.model)
        let preparation = InputPreparation(config: config.input, model: model)
        let everySource = preparation.sources
        let sources = shard.map { Array(everySource[$0.range(of: everySource.count)]) } ?? everySource
        let timings = try plan.runs.map { try RunTiming($0.spec, $0.visualizer, shard: shard) }

        let folder = try OutputFolder(path: config.output.dir, force: force)
        do {
            let runs = zip(plan.runs, timings).map { run, timing in
                ActiveRun(
                    spec: run.spec, visualizer: run.visualizer, timing: timing,
                    sink: RunSink(folder: folder, runName: SafeName.component(run.spec.name), wantsArrays: config.output.arrays))
            }
            for spec in plan.runs.map(\.spec) {
                for reference in spec.options.references {
                    guard case .maps = reference.needs, let source = runs.first(where: { $0.spec.name == reference.run })
                    else { continue }
                    for case .maps(let roles) in source.spec.options.offers { source.sink.keptMapRoles.formUnion(roles) }
                }
            }
            let modelRecord = Manifest.ModelRecord(
                path: model.path, loader: model.loaderName, layers: model.layers.count,
                inputShape: model.inputShape.map { $0 < 0 ? nil : $0 },
                parameters: model.parameterCount)
            /// The manifest without its records, which the journal holds.
            func header(complete: Bool) -> Manifest {
                Manifest(
                    vizrun: Self.version, model: modelRecord, inputs: [], runs: runs.map(\.record),
                    config: config.file, created: ISO8601DateFormatter().string(from: Date()),
                    seconds: Self.rounded(stopwatch.seconds), preprocessing: config.input.preprocessing,
                    shard: shard, complete: complete, arrays: config.output.arrays)
            }
            let results = ResultStore(
                sources: sources, runs: runs,
                journal: try OutputJournal(folder: folder, header: header(complete: false), registry: registry))
            if let previous = folder.previous,
                previous.header.model.path == modelRecord.path, previous.header.model.loader == modelRecord.loader,
                previous.header.preprocessing == config.input.preprocessing
            {
                try results.reuse(previous, isPresent: folder.holds)
                if results.reusedCount > 0 {
                    log("reusing the complete results of \(results.reusedCount) input(s) in \(folder.root.path)")
                }
            }

            func execute(_ index: Int, inputs: [RunInput]) throws {
                let run = runs[index]
                // A run that ignores the inputs draws its own progress bar; the inputs have theirs.
                results.add(
                    try run.execute(
                        model: model, inputs: inputs, showsProgress: showsProgress && inputs.isEmpty, log: log,
                        earlierResults: try results.earlierResults(for: run.spec), inputMapping: preparation.inputMapping),
                    run: index)
            }
            let pending = results.pendingSources
            func executeOnce(_ timing: RunTiming) throws {
                for index in runs.indices where runs[index].timing == timing {
                    try Interruption.check(
                        done: timing == .afterInputs ? sources.count : results.reusedCount, of: sources.count, in: folder)
                    log("\(runs[index].spec.name): \(runs[index].spec.visualizer)")
                    try execute(index, inputs: [])
                }
            }

            try executeOnce(.beforeInputs)
            let perBatch = runs.indices.filter { runs[$0].timing == .perBatch }
            if !perBatch.isEmpty && !pending.isEmpty {
                log(
                    "\(pending.count) input(s) in batches of \(config.input.batchSize) through "
                        + perBatch.map { "\(runs[$0].spec.name) (\(runs[$0].spec.visualizer))" }.joined(separator: ", "))
            }
            let progress = ProgressBar.inputs(total: pending.count, showsProgress: showsProgress, log: log)
            for start in stride(from: 0, to: pending.count, by: config.input.batchSize) {
                try Interruption.check(done: results.reusedCount + start, of: sources.count, in: folder)
                let inputs = try pending[start..<min(start + config.input.batchSize, pending.count)].map {
                    try preparation.prepare($0)
                }
                for record in try Self.records(of: inputs, pictures: inputs.map(preparation.picture), folder: folder) {
                    results.add(record)
                }
                for index in perBatch { try execute(index, inputs: inputs) }
                try results.finishBatch()
                progress.advance(by: inputs.count)
            }
            try executeOnce(.afterInputs)
            let written = try results.close(header: header(complete: true))
            log("wrote \(written.artifacts) artifacts, manifest.json and \(HTMLReport.fileName) to \(folder.root.path)")
            return written
        } catch {
            folder.discard()
            throw error
        }
    }

    /// The inputs' records, with their pictures written under `inputs/`, encoded together on all cores.
    private static func records(
        of inputs: [RunInput], pictures: [Bitmap?], folder: OutputFolder
    ) throws -> [Manifest.InputRecord] {
        let drawn = inputs.indices.filter { pictures[$0] != nil }
        var images: [Int: String] = [:]
        for (index, encoded) in zip(drawn, Bitmap.pngData(of: drawn.map { pictures[$0]! })) {
            let path = folder.reservePath(["inputs", inputs[index].id], ext: ".png")
            try folder.write(try encoded.get(), to: path)
            images[index] = path
        }
        return inputs.indices.map { index in
            let input = inputs[index]
            return Manifest.InputRecord(
                id: input.id, path: input.path, shape: Array(input.tensor.shape.dropFirst()), image: images[index])
        }
    }

    /// Milliseconds are precision enough for a timing, and keep the manifest readable.
    static func rounded(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    /// One class name per line; surrounding spaces and a trailing empty line are ignored.
    package static func readLabels(_ path: String) throws -> [String] {
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

/// What a run or a merge wrote: the output folder and how much its manifest lists.
public struct WrittenOutput: Sendable {
    public let folder: URL
    public let inputs: Int
    public let artifacts: Int

    /// The output's `manifest.json`, decoded whole (for tests and small outputs).
    public func manifest() throws -> Manifest {
        let url = folder.appendingPathComponent(OutputFolder.manifestName)
        do { return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)) } catch {
            throw VizError("cannot read the manifest: \(error)", at: url.path)
        }
    }
}
