import ArgumentParser
import VizCore
import VizRunner

/// `--plugin PATH`, for the subcommands that resolve visualizers and loaders by name.
struct PluginOptions: ParsableArguments {
    @Option(
        name: .customLong("plugin"),
        help: ArgumentHelp(
            "A plugin shared library to load (repeatable), besides a config's `plugins:`.", valueName: "path"))
    var paths: [String] = []

    /// The built-ins, then every plugin given on the command line.
    func registry() throws -> Registry {
        let registry = Registry.builtins()
        for path in paths { try registry.loadPlugin(at: path) }
        return registry
    }
}
