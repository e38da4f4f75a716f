import ArgumentParser
import Foundation
import VizCore
import VizServe

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore a model in the browser: layers, activations, class maps and filter patterns on demand.")

    @Argument(help: "A model file (default: the model of --config).")
    var model: String?

    @Option(help: "A run config whose model, inputs and preprocessing to use.")
    var config: String?

    @Option(help: "A folder of .jpg, .png or .npy inputs.")
    var images: String?

    @Option(help: "The loader to use (default: chosen by the file's extension).")
    var loader: String?

    @Option(help: "A file of class names, one per line (default: the config's model.labels).")
    var labels: String?

    @Option(help: "The address to listen on; other machines can connect only if it is not a loopback one.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Where uploaded images are kept (default: a new folder in the system's temporary folder).")
    var uploads: String?

    @OptionGroup var common: CommonOptions
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        guard model != nil || config != nil else { throw ValidationError("name a model file, or a config with --config") }
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535, got \(port)") }
    }

    func run() async throws {
        try common.apply()
        var explorer: Explorer?
        try reportingErrors {
            let uploadFolder =
                uploads.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                    "vizrun-serve-uploads-\(ProcessInfo.processInfo.processIdentifier)")
            explorer = try Explorer(
                modelPath: model, loader: loader, labels: labels, configPath: config, imagesFolder: images,
                registry: plugins.registry(),
                uploadFolder: uploadFolder)
        }
        guard let explorer else { return }
        try await VizServer.run(explorer, host: host, port: port) { url in
            print("vizrun: serving \(explorer.model.path) at \(url) (Ctrl-C stops)")
            fflush(stdout)
        }
    }
}
