import Foundation
import VizCore
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

    func testAReferenceToALaterRunIsFound() throws {
        let config = try write(
            demoConfig(runs: "  - visualizer: gradcam\n    class: {from: preds}\n  - visualizer: gradcam\n    name: preds"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.hasPrefix("vizrun: \(config):9:19: error: run 'preds' comes after run 'gradcam'"), result.stderr)
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

/// `vizrun validate` reads every input as a run would, so a bad file fails before any heavy work.
final class ValidateInputTests: RunnerTestCase {
    /// Validates the demo config over `image` and returns stderr, which must be one error line naming it.
    func validateError(_ image: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let config = try write(
            demoConfig(runs: "  - visualizer: activations")
                .replacingOccurrences(of: "images: [\(Self.demoImage)]", with: "images: [\(Self.demoImage), \(image)]"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 1, result.stdout, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(image): error: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), file: file, line: line)
        return result.stderr
    }

    func testATruncatedJPEG() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.demoImage))
        let path = folder.appendingPathComponent("half.jpg").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let message = try validateError(path)
        XCTAssertTrue(message.contains("truncated JPEG image"), message)
    }

    func testACorruptPNG() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: PipelineTests.secondImage))
        // Past the header chunk, inside the compressed pixel data: the header reads, the pixels do not.
        let start = bytes.count / 2
        bytes.replaceSubrange(start..<(start + 64), with: Data(repeating: 0xA5, count: 64))
        let path = folder.appendingPathComponent("garbled.png").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let message = try validateError(path)
        XCTAssertTrue(message.contains("PNG"), message)
    }

    func testANpyOfTheWrongShape() throws {
        let path = folder.appendingPathComponent("small.npy").path
        try Tensor(zeros: [10, 10, 3]).npyData().write(to: URL(fileURLWithPath: path))
        let message = try validateError(path)
        XCTAssertTrue(
            message.contains("the model takes inputs of shape (150, 150, 3), this array is [10, 10, 3] (arrays are not resized)"),
            message)
    }

    func testAPictureOfTheWrongColourModeForTheModel() throws {
        let config = try write(demoConfig(runs: "  - visualizer: activations", extraInput: "\n  color: grayscale"))
        let result = try vizrun(["validate", config])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.hasPrefix("vizrun: \(Self.demoImage): error: the model takes inputs of shape (150, 150, 3)"),
            result.stderr)
    }
}
