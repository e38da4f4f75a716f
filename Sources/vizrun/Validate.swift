import ArgumentParser
import VizRunner

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config without running it: plugins, model, every run's options, every input decoded.")

    @Argument(help: "The run config (YAML).")
    var config: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        try reportingErrors {
            let runner = Runner(registry: try plugins.registry())
            let plan = try runner.plan(configAt: config)
            try runner.checkInputs(of: plan)
            print(
                "\(plan.config.file): ok: \(plan.runs.count) run(s) of \(plan.config.input.images.count) input(s) "
                    + "on \(plan.model.path)")
        }
    }
}
