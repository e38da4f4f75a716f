import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// Plugin shared libraries: the failures that must be one line, and the example plugin
/// (Docs/Examples/ChannelStats, built by `make test`) loaded and run beside the built-ins.
final class PluginLoadingTests: RunnerTestCase {
    /// Where `make test` builds the example package's library `name`, with symlinks resolved as in
    /// the origins vizrun shows.
    static func exampleLibraryPath(_ name: String) -> String {
        repository.appendingPathComponent(".build-examples/release/lib\(name).so").resolvingSymlinksInPath().path
    }

    static let examplePlugin = exampleLibraryPath("ChannelStats")

    /// The example package's library `name`; the test is skipped when it is not built.
    static func exampleLibrary(_ name: String) throws -> String {
        let path = exampleLibraryPath(name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("the example plugin is not built (`make test` builds it): \(path) is missing")
        }
        return path
    }

    private func examplePluginPath() throws -> String {
        try Self.exampleLibrary("ChannelStats")
    }

    // MARK: - Libraries vizrun refuses

    func testAFileThatIsNotASharedLibraryIsOneLine() throws {
        let path = try write("not a library", to: "libfake.so")
        let result = try vizrun(["plugins", "--plugin", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path): error: cannot load the plugin library: "), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
    }

    func testAMissingLibraryIsOneLine() throws {
        let path = folder.appendingPathComponent("libabsent.so").path
        let result = try vizrun(["plugins", "--plugin", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "vizrun: \(path): error: no such plugin library\n")
    }

    func testASharedLibraryWithoutTheEntryPointsIsNotAPlugin() throws {
        let path = try sharedLibrary("int unrelated(void) { return 0; }")
        let result = try vizrun(["plugins", "--plugin", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path): error: is not a vizrun plugin: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("vizrun_plugin_api_version"), result.stderr)
    }

    func testALibraryBuiltForAnotherAPIVersionIsRefusedBeforeItRegisters() throws {
        let path = try sharedLibrary(
            """
            #include <stdlib.h>
            int vizrun_plugin_api_version(void) { return 999; }
            void vizrun_register_plugins(void *handle) { abort(); }
            """)
        let result = try vizrun(["plugins", "--plugin", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(path): error: the plugin was built for vizrun plugin API 999, but this "
                + "vizrun has API \(PluginAPI.version); rebuild it against this vizrun\n")
    }

    func testAPluginVisualizerNamedAsABuiltinIsAClashNamingBothOrigins() {
        final class Impostor: Visualizer {
            static let name = "activations"
            static let summary = "not the real one"
            func configure(_ options: ConfigMapping, model: Model) throws {}
            func run(_ context: RunContext) throws {}
        }
        let registrar = PluginRegistrar(registry: .builtins(), origin: "/plugins/libImpostor.so")
        registrar.register(visualizer: Impostor.self)
        XCTAssertEqual(
            registrar.failure?.message,
            "two visualizers are named 'activations': from built-in and from /plugins/libImpostor.so")
    }

    func testAPluginLayerTypeForABuiltinKerasClassIsAClashNamingBothOrigins() {
        final class Impostor: LayerType {
            static let className = "Conv2D"
            static let summary = "not the real one"
            func op(for layer: KerasLayer) throws -> Op { IdentityOp(kind: "Conv2D") }
        }
        let registrar = PluginRegistrar(registry: .builtins(), origin: "/plugins/libImpostor.so")
        registrar.register(layer: Impostor.self)
        XCTAssertEqual(
            registrar.failure?.message,
            "two layer types run the Keras class 'Conv2D': from built-in and from /plugins/libImpostor.so")
    }

    // MARK: - The example plugin

    func testPluginsListsTheExampleWithItsOrigin() throws {
        let library = try examplePluginPath()
        let result = try vizrun(["plugins", "--plugin", library])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = result.stdout.split(separator: "\n").first { $0.contains("channel_stats") }
        XCTAssertTrue(line?.hasSuffix("[\(library)]") == true, result.stdout)
        XCTAssertTrue(result.stdout.contains("activations"), result.stdout)
    }

    func testTwoCopiesOfOnePluginClashNamingBothLibraries() throws {
        let library = try examplePluginPath()
        let copy = folder.appendingPathComponent("libChannelStatsCopy.so").path
        try FileManager.default.copyItem(atPath: library, toPath: copy)
        let result = try vizrun(["plugins", "--plugin", library, "--plugin", copy])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: error: two visualizers are named 'channel_stats': from \(library) and from "
                + "\(copy)\n")
    }

    /// `plugins:` resolves against the config's folder; the plugin's run sits between built-in runs.
    func testAConfigRunsThePluginBesideBuiltins() throws {
        let library = try examplePluginPath()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("lib/libChannelStats.so").path,
            withDestinationPath: library)
        let config = try write(
            "plugins: [lib/libChannelStats.so]\n"
                + demoConfig(
                    runs: """
                          - visualizer: activations
                            layers: {first: 1}
                          - visualizer: channel_stats
                            name: stats
                            layers: [conv2d]
                            chart: active
                          - visualizer: gradcam
                        """))
        let result = try vizrun([config, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("out/manifest.json"))) as? [String: Any]
        let runs = try XCTUnwrap(manifest?["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["visualizer"] as? String }, ["activations", "channel_stats", "gradcam"])
        let artifacts = try XCTUnwrap(runs[1]["artifacts"] as? [[String: Any]])
        XCTAssertEqual(artifacts.map { $0["role"] as? String }, ["channel_stats", "chart"])
        XCTAssertEqual(artifacts[0]["shape"] as? [Int], [32, 5])
        for artifact in artifacts {
            let path = try XCTUnwrap(artifact["path"] as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/\(path)").path), path)
        }
    }

    /// The plugin's `VizError` is the host's type (one copy of VizCore), so it is reported as one line too.
    func testAPluginsOptionErrorPointsIntoTheConfig() throws {
        let library = try examplePluginPath()
        let config = try write(demoConfig(runs: "  - visualizer: channel_stats\n    chart: maen"))
        let result = try vizrun([config, "--plugin", library])
        XCTAssertEqual(result.status, 1)
        let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(
            firstLine.hasPrefix(
                "vizrun: \(config):9:12: error: unknown chart 'maen' (known: mean, std, min, max, "
                    + "active); did you mean 'mean'?"), result.stderr)
    }

    // MARK: - A plugin's roles and aggregate, as a built-in's

    /// The example's own role titles caption its pictures, its aggregate's file and table reach the
    /// manifest and the report, and `vizrun merge` writes the aggregate anew over both shards' inputs.
    func testThePluginsRolesAndAggregateReachReportManifestAndMerge() throws {
        let library = try examplePluginPath()
        let images = ["Configs/images/chelsea.jpg", "Configs/images/coffee.png"].map {
            Self.repository.appendingPathComponent($0).path
        }
        let config = try write(
            """
            plugins: [\(library)]
            model: \(Self.demoModel)
            input:
              images: [\(images.joined(separator: ", "))]
              scale: 1/255
            runs:
              - visualizer: channel_stats
                name: stats
                layers: [conv2d]
            """)
        func run(_ arguments: [String]) throws {
            let result = try vizrun(arguments + ["--quiet"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let whole = folder.appendingPathComponent("whole")
        let merged = folder.appendingPathComponent("merged")
        try run([config, "-o", whole.path])
        try run([config, "--shard", "0/2", "-o", folder.appendingPathComponent("s0").path])
        try run([config, "--shard", "1/2", "-o", folder.appendingPathComponent("s1").path])
        try run([
            "merge", folder.appendingPathComponent("s0").path, folder.appendingPathComponent("s1").path, "-o", merged.path,
            "--plugin", library,
        ])

        // Each input's table, averaged here, against what the aggregate wrote over both inputs.
        let tables = try ["chelsea", "coffee"].map {
            try Tensor(npyFileAt: whole.appendingPathComponent("stats/\($0)/conv2d/stats.npy").path)
        }
        let expected = Tensor(shape: tables[0].shape, scalars: zip(tables[0].scalars, tables[1].scalars).map { ($0 + $1) / 2 })
        XCTAssertNotEqual(tables[0], tables[1], "two distinct inputs")
        for output in [whole, merged] {
            let manifest = try JSONDecoder().decode(
                Manifest.self, from: Data(contentsOf: output.appendingPathComponent("manifest.json")))
            let summaries = manifest.runs[0].artifacts.filter { $0.role == "channel_stats_summary" }
            XCTAssertEqual(summaries.map { $0.path }, ["stats/_aggregate/conv2d/channel_stats.npy"], output.lastPathComponent)
            assertClose(try Tensor(npyFileAt: output.appendingPathComponent(summaries[0].path).path), expected, tolerance: 1e-6)
            let report = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
            XCTAssertTrue(
                report.contains("Share of positions active per channel, averaged over 2 inputs"), output.lastPathComponent)
            XCTAssertTrue(report.contains("channel statistics averaged over the inputs"), "the aggregate role's title")
            XCTAssertTrue(report.contains("<figcaption>channel statistics chart</figcaption>"), "the chart role's title")
        }
    }

    func testMergingARunOfAPluginThatIsNotLoadedIsOneLine() throws {
        let library = try examplePluginPath()
        let config = try write(
            "plugins: [\(library)]\n" + demoConfig(runs: "  - visualizer: channel_stats\n    layers: [conv2d]"))
        XCTAssertEqual(try vizrun([config, "--quiet"]).status, 0)
        let target = folder.appendingPathComponent("merged")
        let result = try vizrun(["merge", folder.appendingPathComponent("out").path, "-o", target.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(folder.appendingPathComponent("out/manifest.json").path): error: run "
                + "'channel_stats' was made by the visualizer 'channel_stats', which is not loaded; name its plugin "
                + "with --plugin\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "nothing written")
    }

    // MARK: - Helpers

    /// Compiles C source into a shared library in the test folder, with the toolchain's clang.
    private func sharedLibrary(_ source: String) throws -> String {
        let sourcePath = try write(source, to: "plugin.c")
        let library = folder.appendingPathComponent("libtest\(UUID().uuidString.prefix(8)).so").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["clang", "-shared", "-fPIC", "-o", library, sourcePath]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("clang could not build a test library") }
        return library
    }
}
