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

    /// Without a terminal, progress is plain lines; `--shard` and `merge` work from the command line.
    func testShardsFromTheCommandLineMerge() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations\n    layers: {first: 1}"))
        let first = try vizrun([config, "--shard", "0/2", "-o", folder.appendingPathComponent("s0").path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("inputs 0/0") || first.stderr.contains("wrote "), first.stderr)
        let second = try vizrun([config, "--shard", "1/2", "-o", folder.appendingPathComponent("s1").path])
        XCTAssertTrue(second.stderr.contains("inputs 1/1, "), second.stderr)
        XCTAssertTrue(second.stderr.contains(" images/s, ETA "), second.stderr)
        XCTAssertFalse(second.stderr.contains("\r"), "no redrawn line when stderr is not a terminal")
        let merged = try vizrun([
            "merge", folder.appendingPathComponent("s0").path, folder.appendingPathComponent("s1").path,
            "-o", folder.appendingPathComponent("all").path, "--quiet",
        ])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(merged.stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("all/report.html").path))

        let bad = try vizrun([config, "--shard", "2/2"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--shard takes i/n"), bad.stderr)
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
        XCTAssertEqual(
            result.stderr,
            "vizrun: \(path): error: is not a readable .keras file: not a ZIP archive, or a "
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
        let raw = result.stdout.split(separator: "\n").first { $0.hasPrefix("  raw ") }.map(String.init) ?? ""
        XCTAssertTrue(raw.contains(".yaml .yml .json .safetensors .npz .bin "), "every extension, none cut short: \(raw)")
    }
}
