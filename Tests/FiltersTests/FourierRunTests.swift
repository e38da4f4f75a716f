import Foundation
import HDF5Loader
import VizCore
import VizImage
import VizRunner
import VizTesting
import XCTest

@testable import Filters

/// `parameterization: fft` through the ascent and the `vizrun` command.
final class FourierRunTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("filters-fft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A config with `input` lines and one filters run, as the file's path.
    func config(input: String = "scale: 1/255", run: String) throws -> String {
        let path = folder.appendingPathComponent("config.yaml").path
        try """
        model: \(Fixtures.path("models/k2_sequential/model.h5"))
        input:
          images: [\(EndToEndTests.repository.appendingPathComponent("Configs/images/chelsea.jpg").path)]
          \(input)
        output:
          dir: \(folder.appendingPathComponent("out").path)
        runs:
          - visualizer: filters
            layer: conv2d_1
            filters: [2, 5]
        \(run)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Each preset's per-channel mapping makes the same input as the preprocessing itself.
    func testInputMappingIsThePreprocessing() throws {
        let bitmap = Bitmap(width: 1, height: 1, channels: 3, pixels: [200, 30, 77])
        for preset in Preprocessing.Preset.allCases {
            let steps = Preprocessing(preset: preset)
            let expected = try steps.apply(to: bitmap)
            let mapping = try steps.inputMapping(channels: 3)
            for c in 0..<3 {
                let level = Float(bitmap.pixels[mapping.source[c]])
                XCTAssertEqual(level * mapping.scale[c] + mapping.offset[c], expected.scalars[c], accuracy: 1e-4, "\(preset)")
            }
        }
    }

    /// Adam on the spectra raises the objective of every filter that fires from Lucid's start (a
    /// relu that never fires on its near-grey start stays dead), and the patterns
    /// are the pictures mapped by the preprocessing (here 0…255 levels × 1/255).
    func testAscentOnSpectraRaisesTheObjective() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let layer = try model.requireLayer("conv2d_1")
        let fourier = FourierImage(
            height: 32, width: 32, channels: 3, decayPower: 1, decorrelate: true,
            inputMapping: InputMapping(scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0], source: [0, 1, 2]))
        var generator = SeededGenerator(seed: 3)
        var ascent = Ascent(graph: model.graph, inputNode: model.graph.inputNodes[0], targetNode: layer.outputNode)
        (ascent.optimizer, ascent.steps, ascent.imageMaker) = (.adam(learningRate: 0.05), 20, .fourier(fourier))
        let units = [0, 1, 2, 3]
        let start = fourier.randomSpectra(batch: units.count, generator: &generator)
        let before = try ascent.objectiveValues(fourier.forward(start).input, units: units)
        let result = try ascent.run(start: start, units: units)
        let after = try ascent.objectiveValues(result.patterns, units: units)
        XCTAssertTrue(result.objectiveDead.contains(false), "no filter fired: nothing was checked")
        for item in units.indices where !result.objectiveDead[item] {
            XCTAssertGreaterThan(after[item], before[item] + 1e-3, "filter \(units[item])")
        }
        let pictures = try XCTUnwrap(result.pictures)
        XCTAssertEqual(pictures.shape, [units.count, 32, 32, 3])
        for (picture, pattern) in zip(pictures.scalars, result.patterns.scalars) {
            XCTAssertEqual(picture, pattern, accuracy: 1e-6)
        }
    }

    func testConfigWritesFourierPatterns() throws {
        let path = try config(
            input: "preset: caffe",
            run: """
                    parameterization: {kind: fft, decay_power: 1, decorrelate: true, sigmoid: true}
                    optimizer: adam
                    learning_rate: 0.05
                    steps: 3
                    gif: {frames: 2}
                    start: {seed: 4}
                """)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = folder.appendingPathComponent("out")
        let pattern = try Tensor(npyFileAt: out.appendingPathComponent("filters/conv2d_1/filter_2.npy").path)
        XCTAssertEqual(pattern.shape, [32, 32, 3])
        // caffe: BGR levels minus the ImageNet means, so each channel stays within −mean…255 − mean.
        for (c, mean) in [Float(103.939), 116.779, 123.68].enumerated() {
            let channel = stride(from: c, to: pattern.count, by: 3).map { pattern.scalars[$0] }
            XCTAssertTrue(channel.allSatisfy { $0 >= -mean && $0 <= 255 - mean }, "channel \(c)")
        }
        for file in ["filter_2.png", "filter_5.png", "filter_2.gif", "grid.png"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: out.appendingPathComponent("filters/conv2d_1/\(file)").path), file)
        }
    }

    /// Each bad value stops the run before anything is written, with its line, column and a caret.
    func testParameterizationErrorsStopTheRun() throws {
        let cases: [(run: String, line: Int, column: Int, message: String)] = [
            ("    parameterization: ftt", 11, 23, "unknown parameterization 'ftt'"),
            ("    parameterization: {kind: fft, sigmoid: maybe}", 11, 44, "expected true or false, found 'maybe'"),
            ("    parameterization: {kind: fft, decay_power: -1}", 11, 48, "decay_power cannot be negative"),
            ("    parameterization: fft\n    start: {low: 0, high: 1}", 12, 18, "start.low sets pixel noise"),
        ]
        for (run, line, column, message) in cases {
            let path = try config(run: run)
            let result = try VizrunCommand.run([path])
            XCTAssertEqual(result.status, 1, run)
            XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path):\(line):\(column): error: \(message)"), result.stderr)
            XCTAssertTrue(result.stderr.contains("\n" + String(repeating: " ", count: column - 1) + "^"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
        }
    }

    /// The Lucid options' bad values, through the command: exit 1, one error naming the key path, nothing written.
    func testLucidOptionErrorsStopTheRun() throws {
        let vector = folder.appendingPathComponent("direction.npy")
        try Tensor(shape: [3], scalars: [1, 2, 3]).npyData().write(to: vector)
        let cases: [(run: String, message: String)] = [
            ("    parameterization: {kind: fourier}", "unknown kind 'fourier' (known: pixel, fft)"),
            (
                "    transforms: [{jitter: 4}, {shear: 3}]",
                "unknown transform 'shear' (known: pad, jitter, scale, rotate) (at runs[0].transforms[1])"
            ),
            (
                "    transforms: [{scale: [1, 0, 1.1]}]",
                "scale factors must be positive, not 0.0 (at runs[0].transforms[0].scale[1])"
            ),
            (
                "    transforms: [{rotate: [5, -5]}]",
                "the rotation range [5, -5] is backwards: low must not exceed high (at runs[0].transforms[0].rotate)"
            ),
            ("    steps: 0", "steps must be at least 1 (at runs[0].steps)"),
            (
                "    objective: {direction: {layer: conv2d_1, vector: \(vector.path)}}",
                "the direction has 3 values, layer 'conv2d_1' has 16 channels (at runs[0].objective.direction.vector)"
            ),
        ]
        for (run, message) in cases {
            let path = try config(run: run)
            if run.contains("direction") {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                try text.replacingOccurrences(of: "    layer: conv2d_1\n    filters: [2, 5]\n", with: "")
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
            let result = try VizrunCommand.run([path])
            XCTAssertEqual(result.status, 1, run)
            XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path):"), result.stderr)
            XCTAssertTrue(result.stderr.contains("error: \(message)"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing written")
        }
    }

    func testDecorrelationNeedsColour() throws {
        let model = try TestModels.deadFilterModel()
        let message = TestModels.configureError("layer: conv\nparameterization: {kind: fft, decorrelate: true}", model: model)
        XCTAssertTrue(message.contains("test.yaml:2:44: error: decorrelate needs a 3-channel (colour) input"), message)
        XCTAssertNoThrow(try FiltersVisualizer().configure(try runOptions("layer: conv\nparameterization: fft"), model: model))
    }
}
