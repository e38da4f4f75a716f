import Foundation
import VizCore
import VizRunner
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
        let path = try write("""
        model: missing.h5
        input: {images: [x.jpg]}
        runs: [{visualizer: activations}]
        """)
        let error = runError(path)
        XCTAssertEqual(error?.location, "\(path):1:8")
        XCTAssertTrue(error?.message.contains("no such file") ?? false)
    }
}
