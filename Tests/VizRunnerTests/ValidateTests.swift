import Foundation
import XCTest

/// `vizrun validate`: the checks of a run, without its work or its output folder.
final class ValidateTests: RunnerTestCase {
    func testAValidConfigIsOkAndWritesNothing() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations\n  - visualizer: gradcam"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "\(config): ok: 2 run(s) of 1 input(s) on \(Self.demoModel)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    func testABadOptionInALaterRunIsFound() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations\n  - visualizer: gradcam\n    layer: conv2d_9"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(config):10:12: error: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("conv2d_9"), result.stderr)
    }

    func testAPluginRunIsValidatedWithThePlugin() throws {
        let library = PluginLoadingTests.examplePlugin
        guard FileManager.default.fileExists(atPath: library) else {
            throw XCTSkip("the example plugin is not built (`make test` builds it): \(library) is missing")
        }
        let config = try write(demoConfig(runs: "  - visualizer: channel_stats\n    layers: [conv2d_9]"))
        let result = try vizrun(["validate", config, "--plugin", library])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(config):9:14: error: "), result.stderr)
    }
}
