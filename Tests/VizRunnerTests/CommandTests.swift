import Foundation
import VizTesting
import XCTest

/// The `vizrun` executable itself: exit status, stderr, and the subcommands' output.
final class CommandTests: RunnerTestCase {
    func testRunWritesTheManifest() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations\n    layers: {first: 2}"))
        let result = try vizrun([config, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/manifest.json").path))
    }

    func testBadConfigIsOneLineOnStderrAndExitStatusOne() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activatons"))
        let result = try vizrun([config])
        XCTAssertEqual(result.status, 1)
        let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(firstLine.hasPrefix("vizrun: \(config):8:5: error: no visualizer named 'activatons'"), result.stderr)
    }

    func testInspectPrintsTheLayerTable() throws {
        let result = try vizrun(["inspect", Self.demoModel])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("conv2d"))
        XCTAssertTrue(result.stdout.contains("(None, 148, 148, 32)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Total params:"))
    }

    func testInspectListsTheLayersOfNestedModels() throws {
        let result = try vizrun(["inspect", Fixtures.path("formats/nested_functional_k3_keras/model.keras")])
        XCTAssertEqual(result.status, 0, result.stderr)
        for layer in ["mid ", "mid/inner ", "mid/inner/inner_conv ", "mid/mid_conv "] {
            XCTAssertTrue(result.stdout.contains("\n\(layer)"), "\(layer) in:\n\(result.stdout)")
        }
        XCTAssertTrue(result.stdout.contains("keras_version: 3.15.1"), result.stdout)
    }

    func testADamagedKerasArchiveIsOneLineAndExitStatusOne() throws {
        let path = try write("not a zip archive", to: "broken.keras")
        let result = try vizrun(["inspect", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "vizrun: \(path): error: is not a readable .keras file: not a ZIP archive, or a "
                       + "damaged one\n")
    }

    func testInspectOfANonModelFails() throws {
        let path = try write("not an hdf5 file", to: "fake.h5")
        let result = try vizrun(["inspect", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path)"), result.stderr)
    }

    func testPluginsListsTheBuiltins() throws {
        let result = try vizrun(["plugins"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("hdf5"))
        XCTAssertTrue(result.stdout.contains("activations"))
    }
}
