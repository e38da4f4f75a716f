import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// Bad configs end with one located error before any work starts.
final class ConfigErrorTests: RunnerTestCase {
    func testMissingConfig() {
        let error = runError(folder.appendingPathComponent("nope.yaml").path)
        XCTAssertEqual(error?.location, folder.appendingPathComponent("nope.yaml").path)
    }

    func testYAMLSyntaxErrorHasLineAndColumn() throws {
        let path = try write("model: m.h5\ninput: [unclosed\n")
        let error = runError(path)
        XCTAssertTrue(error?.location?.hasPrefix(path + ":") ?? false, "\(String(describing: error))")
    }

    func testUnknownVisualizerSuggestsTheClosest() throws {
        let path = try write(demoConfig(runs: "  - visualizer: activatons"))
        let error = runError(path)
        XCTAssertEqual(error?.location, "\(path):8:5")
        XCTAssertTrue(error?.message.contains("did you mean 'activations'?") ?? false, "\(String(describing: error))")
    }

    func testUnknownLayerNamesTheModelAndKeyPath() throws {
        let path = try write(demoConfig(runs: "  - visualizer: activations\n    layers: [conv2d_1, conv2d_9]"))
        let error = runError(path)
        XCTAssertEqual(error?.location, "\(path):9:24")
        XCTAssertTrue(error?.message.contains("no layer named 'conv2d_9'") ?? false)
        XCTAssertTrue(error?.message.contains("runs[0].layers[1]") ?? false, "\(String(describing: error))")
    }

    func testUnknownOptionSuggestsTheClosest() throws {
        let path = try write(demoConfig(runs: "  - visualizer: activations\n    images_per_rw: 8"))
        let error = runError(path)
        XCTAssertTrue(error?.message.contains("did you mean 'images_per_row'?") ?? false, "\(String(describing: error))")
    }

    func testChannelOutOfRange() throws {
        let path = try write(demoConfig(runs: "  - visualizer: activations\n    layers: [conv2d]\n    channels: [32]"))
        let error = runError(path)
        XCTAssertTrue(error?.message.contains("channel 32 is out of range") ?? false, "\(String(describing: error))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    func testMissingImageAndModel() throws {
        let path = try write(
            """
            model: missing.h5
            input: {images: [x.jpg]}
            runs: [{visualizer: activations}]
            """)
        let errors = vizErrors { try Runner(registry: .builtins()).run(configAt: path) }
        XCTAssertEqual(errors.map { $0.location }, ["\(path):1:8", "\(path):2:18"], "both, at once")
        XCTAssertEqual(
            errors.map { $0.message.split(separator: "\n").first.map(String.init) ?? "" },
            [
                "no such file: \(folder.appendingPathComponent("missing.h5").path) (at model)",
                "no such file: \(folder.appendingPathComponent("x.jpg").path) (at input.images[0])",
            ])
    }

    /// A compiler's way: a wrong class name does not hide a wrong layer name in the same run, nor
    /// a bad option of another run, nor a bad input key; each is reported at its line and column.
    func testEveryProblemOfAConfigIsReportedAtOnce() throws {
        let config = try write(
            demoConfig(
                runs: """
                      - visualizer: gradcam
                        class: 99
                        layer: conv2d_9
                        alpha: -1
                      - visualizer: activations
                        images_per_row: 0
                        colourmap: viridis
                    """, extraInput: "\n  batch_size: 0"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("vizrun: ") }
        XCTAssertEqual(
            errors,
            [
                "vizrun: \(config):5:15: error: batch_size must be at least 1 (at input.batch_size)",
                "vizrun: \(config):10:12: error: class 99 is out of range: the model has 8 classes (0…7) (at runs[0].class)",
                "vizrun: \(config):11:12: error: no layer named 'conv2d_9' in \(Self.demoModel); did you mean 'conv2d_1'? (at runs[0].layer)",
                "vizrun: \(config):12:12: error: alpha cannot be negative (at runs[0].alpha)",
                "vizrun: \(config):14:21: error: images_per_row must be at least 1 (at runs[1].images_per_row)",
                "vizrun: \(config):15:5: error: unknown key 'colourmap'; did you mean 'colormap'? (at runs[1])",
            ].map { Substring($0) }, result.stderr)
        XCTAssertTrue(result.stderr.contains("    alpha: -1\n           ^\n"), "each with its line and a caret: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
    }
}
