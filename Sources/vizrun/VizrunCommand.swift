import ArgumentParser
import Foundation
import VizCore
import VizRunner

@main
struct VizrunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vizrun",
        abstract: "See what a convolutional network has learned: activations, filter patterns, heatmaps.",
        version: Runner.version,
        subcommands: [Run.self, Validate.self, Merge.self, Plugins.self, Inspect.self, Serve.self],
        defaultSubcommand: Run.self)

    /// Sets the allocator up (`Allocator.reuseFreedBuffers`) before any other thread allocates:
    /// glibc fixes its number of arenas when a second thread first allocates. Then parses and runs.
    static func main() async {
        Allocator.reuseFreedBuffers()
        await (Self.self as any AsyncParsableCommand.Type).main()
    }
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for the heavy ops (default: VIZRUN_THREADS or every core).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads > 0 else { throw ValidationError("--threads must be at least 1") }
            Parallelism.threads = threads
        }
    }
}

extension ParsableCommand {
    /// Runs `body`, turning a `VizError` (each of `VizErrors`: a config's every problem) into a line on
    /// stderr, and exit status 1 (128 + the signal's number when SIGINT or SIGTERM stopped a run).
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            guard let errors = VizErrors.unpack(error) else { throw error }
            StatusLine.standardError.close()
            FileHandle.standardError.write(Data(errors.map { "vizrun: \($0)\n" }.joined().utf8))
            throw ExitCode(Interruption.exitStatus ?? 1)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Carry out the runs of a YAML config (the default).")

    @Argument(help: "The run config (YAML).")
    var config: String

    @Flag(help: "Write into an output folder even if it holds files vizrun did not write.")
    var force = false

    @Option(name: .shortAndLong, help: "Output folder, instead of the config's output.dir.")
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Process only part i (from 0) of n of the inputs; `vizrun merge` combines the parts.",
            valueName: "i/n"))
    var shard: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var common: CommonOptions
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if let shard, Manifest.Shard(shard) == nil {
            throw ValidationError("--shard takes i/n with 0 ≤ i < n, e.g. 0/4; got '\(shard)'")
        }
    }

    func run() throws {
        try common.apply()
        Interruption.install()
        try reportingErrors {
            try Runner(registry: plugins.registry(), log: standardErrorLog(quiet: quiet), showsProgress: !quiet)
                .run(configAt: config, force: force, outputDirectory: output, shard: shard.flatMap { Manifest.Shard($0) })
        }
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the output folders of one config's shards into one manifest and report.")

    @Argument(help: "The shards' output folders.")
    var folders: [String]

    @Option(name: .shortAndLong, help: "The folder to write the combined result to.")
    var output: String

    @Flag(help: "Write into an output folder even if it holds files vizrun did not write.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        try reportingErrors {
            let merged = try ShardMerge.merge(folders, into: output, force: force, registry: plugins.registry())
            standardErrorLog(quiet: quiet)("merged \(folders.count) folder(s), \(merged.inputs) input(s), into \(output)")
        }
    }
}

/// Lines for the user on stderr (above a progress line), or nowhere with `--quiet`.
func standardErrorLog(quiet: Bool) -> (String) -> Void {
    quiet ? { _ in } : { StatusLine.standardError.print($0) }
}

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the model loaders, visualizers and plugin layer types vizrun knows.")

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        try reportingErrors {
            let registry = try plugins.registry()
            print("Model loaders:")
            let extensions = registry.loaders.map { $0.type.fileExtensions.joined(separator: " ") }
            let width = extensions.map(\.count).max() ?? 0
            for (entry, extensions) in zip(registry.loaders, extensions) {
                print(
                    "  \(entry.name.padding(toLength: 14, withPad: " ", startingAt: 0)) "
                        + "\(extensions.padding(toLength: width, withPad: " ", startingAt: 0)) \(entry.summary) [\(entry.origin)]"
                )
            }
            print("Visualizers:")
            for entry in registry.visualizers {
                print("  \(entry.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(entry.summary) [\(entry.origin)]")
            }
            // Keras's own classes are the loaders' business; only plugins add layer types.
            guard !registry.layerTypes.isEmpty else { return }
            print("Layer types (Keras classes from plugins):")
            for entry in registry.layerTypes {
                print("  \(entry.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(entry.summary) [\(entry.origin)]")
            }
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's layers, as Keras's summary does.")

    @Argument(help: "A model file.")
    var model: String

    @Option(help: "The loader to use (default: chosen by the file's extension).")
    var loader: String?

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        try reportingErrors {
            let path = URL(fileURLWithPath: model).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else { throw VizError("no such model file", at: path) }
            let spec = ModelSpec(path: path, loader: loader)
            let loaded = try plugins.registry().loadModel(spec)
            print(ModelSummary(loaded).text)
        }
    }
}
