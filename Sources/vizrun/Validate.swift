import ArgumentParser
import VizRunner

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config without running it: plugins, model, inputs found, every run's options.")

    @Argument(help: "The run config (YAML).")
    var config: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        try reportingErrors {
            let plan = try Runner(registry: plugins.registry()).plan(configAt: config)
            print("\(plan.config.file): ok: \(plan.runs.count) run(s) of \(plan.config.input.images.count) input(s) "
                  + "on \(plan.model.path)")
        }
    }
}
