import Foundation
import HDF5Loader
import VizCore
import VizImage
import VizRunner
import VizTesting
import XCTest

@testable import Filters

/// `parameterization: fft` and `laplacian` through the ascent and the `vizrun` command.
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

    /// Adam on the spectra, or on the pyramid's levels, raises the objective of every filter that
    /// fires from Lucid's start (a relu that never fires on its near-grey start stays dead), and
    /// the patterns are the pictures mapped by the preprocessing (here 0…255 levels × 1/255).
    func testAscentOnDrawnImagesRaisesTheObjective() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let layer = try model.requireLayer("conv2d_1")
        let levels = InputMapping(scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0], source: [0, 1, 2])
        let drawnImages: [(String, any DrawnImage)] = [
            ("fft", FourierImage(height: 32, width: 32, channels: 3, decayPower: 1, decorrelate: true, inputMapping: levels)),
            (
                "laplacian",
                LaplacianPyramid(height: 32, width: 32, channels: 3, levels: 4, decorrelate: true, inputMapping: levels)
            ),
        ]
        for (name, drawn) in drawnImages {
            var generator = SeededGenerator(seed: 3)
            var ascent = Ascent(graph: model.graph, inputNode: model.graph.inputNodes[0], targetNode: layer.outputNode)
            (ascent.optimizer, ascent.steps, ascent.imageMaker) = (.adam(learningRate: 0.05), 20, .drawn(drawn))
            let units = [0, 1, 2, 3]
            let start = drawn.randomStart(batch: units.count, generator: &generator)
            let before = try ascent.objectiveValues(drawn.forward(start).input, units: units)
            let result = try ascent.run(start: start, units: units)
            let after = try ascent.objectiveValues(result.patterns, units: units)
            XCTAssertTrue(result.objectiveDead.contains(false), "\(name): no filter fired: nothing was checked")
            for item in units.indices where !result.objectiveDead[item] {
                XCTAssertGreaterThan(after[item], before[item] + 1e-3, "\(name): filter \(units[item])")
            }
            let pictures = try XCTUnwrap(result.pictures)
            XCTAssertEqual(pictures.shape, [units.count, 32, 32, 3])
            XCTAssertLessThanOrEqual(LucentStepTests.maxDifference(pictures, result.patterns), 1e-6, name)
        }
    }

    /// Each parameterisation through the command: patterns in the caffe preset's input space, each its own.
    func testConfigWritesDrawnPatterns() throws {
        let runs = [
            """
                parameterization: {kind: fft, decay_power: 1, decorrelate: true, sigmoid: true}
                optimizer: adam
                learning_rate: 0.05
            """,
            """
                parameterization: {kind: laplacian, levels: 4, decorrelate: true, sigmoid: true}
                transforms: [{jitter: 2}]
                optimizer: {adam: {lr: 0.05}}
            """,
        ]
        for run in runs {
            let path = try config(input: "preset: caffe", run: run + "\n    steps: 3\n    gif: {frames: 2}\n    start: {seed: 4}")
            let result = try VizrunCommand.run([path, "--quiet"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let out = folder.appendingPathComponent("out/filters/conv2d_1")
            let patterns = try [2, 5].map { try Tensor(npyFileAt: out.appendingPathComponent("filter_\($0).npy").path) }
            XCTAssertEqual(patterns[0].shape, [32, 32, 3])
            // caffe: BGR levels minus the ImageNet means, so each channel stays within −mean…255 − mean.
            for (c, mean) in [Float(103.939), 116.779, 123.68].enumerated() {
                let channel = stride(from: c, to: patterns[0].count, by: 3).map { patterns[0].scalars[$0] }
                XCTAssertTrue(channel.allSatisfy { $0 >= -mean && $0 <= 255 - mean }, "channel \(c): \(run)")
                XCTAssertGreaterThan(channel.max()! - channel.min()!, 0.1, "channel \(c) is flat: \(run)")
            }
            XCTAssertGreaterThan(LucentStepTests.maxDifference(patterns[0], patterns[1]), 0.1, "two filters, two patterns")
            for file in ["filter_2.png", "filter_5.png", "filter_2.gif", "grid.png"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file): \(run)")
            }
            try FileManager.default.removeItem(at: folder.appendingPathComponent("out"))
        }
    }

    /// Each bad value stops the run before anything is written, with its line, column and a caret.
    func testParameterizationErrorsStopTheRun() throws {
        let cases: [(run: String, line: Int, column: Int, message: String)] = [
            ("    parameterization: ftt", 11, 23, "unknown parameterization 'ftt'"),
            ("    parameterization: {kind: fft, sigmoid: maybe}", 11, 44, "expected true or false, found 'maybe'"),
            ("    parameterization: {kind: fft, decay_power: -1}", 11, 48, "decay_power cannot be negative"),
            ("    parameterization: fft\n    start: {low: 0, high: 1}", 12, 18, "start.low sets pixel noise"),
            (
                "    parameterization: laplacain", 11, 23,
                "unknown parameterization 'laplacain' (known: pixel, fft, laplacian); did you mean 'laplacian'?"
            ),
            (
                "    parameterization: {kind: laplacian, levels: 0}", 11, 49,
                "levels must be at least 1 (at runs[0].parameterization.levels)"
            ),
            (
                "    parameterization: {kind: laplacian, levels: 7}", 11, 49,
                "7 pyramid levels make the coarsest 0x0 for patterns of 32x32; at most 6 levels fit "
                    + "(at runs[0].parameterization.levels)"
            ),
            ("    parameterization: {kind: laplacian, decay_power: 1}", 11, 41, "unknown key 'decay_power'"),
            (
                "    parameterization: laplacian\n    start: {low: 0, high: 1}", 12, 18,
                "start.low sets pixel noise; with parameterization laplacian only start.seed applies"
            ),
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
            ("    parameterization: {kind: fourier}", "unknown kind 'fourier' (known: pixel, fft, laplacian)"),
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

    /// Lucid's default of 4 levels on patterns too small for it: the error points at the parameterisation.
    func testDefaultLevelsMustFitTheSize() throws {
        let model = try TestModels.deadFilterModel(inputShape: [-1, -1, -1, 1])
        let message = TestModels.configureError("layer: conv\nsize: [4, 6]\nparameterization: laplacian", model: model)
        XCTAssertTrue(
            message.contains(
                "test.yaml:3:19: error: 4 pyramid levels make the coarsest 0x0 for patterns of 4x6; at most 3 levels fit"),
            message)
        XCTAssertNoThrow(
            try FiltersVisualizer().configure(
                try runOptions("layer: conv\nsize: [4, 6]\nparameterization: {kind: laplacian, levels: 3}"), model: model))
    }

    func testDecorrelationNeedsColour() throws {
        let model = try TestModels.deadFilterModel()
        let message = TestModels.configureError("layer: conv\nparameterization: {kind: fft, decorrelate: true}", model: model)
        XCTAssertTrue(message.contains("test.yaml:2:44: error: decorrelate needs a 3-channel (colour) input"), message)
        XCTAssertNoThrow(try FiltersVisualizer().configure(try runOptions("layer: conv\nparameterization: fft"), model: model))
        let pyramid = TestModels.configureError(
            "layer: conv\nparameterization: {kind: laplacian, decorrelate: true}", model: model)
        XCTAssertTrue(pyramid.contains("test.yaml:2:50: error: decorrelate needs a 3-channel (colour) input"), pyramid)
        XCTAssertNoThrow(
            try FiltersVisualizer().configure(try runOptions("layer: conv\nparameterization: laplacian"), model: model))
    }
}
