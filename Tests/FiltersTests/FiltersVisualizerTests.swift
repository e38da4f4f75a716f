import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import Filters

final class FiltersVisualizerTests: XCTestCase {
    func run(_ yaml: String, model: Model) throws -> (CollectingSink, [String]) {
        let visualizer = FiltersVisualizer()
        try visualizer.configure(try runOptions(yaml), model: model)
        let sink = CollectingSink()
        var lines: [String] = []
        try visualizer.run(RunContext(model: model, inputs: [], runName: "filters", sink: sink, log: { lines.append($0) }))
        return (sink, lines)
    }

    func testDeadFilterKeepsItsStartAndIsReported() throws {
        let model = try TestModels.deadFilterModel(size: 8)
        let (sink, lines) = try run("layer: conv\nfilters: [0, 1]\nsteps: 5\ntile: 8\nstart: {seed: 3}", model: model)
        XCTAssertEqual(lines, ["filters: layer conv filter 0 is dead (zero gradient): pattern left at its start"])
        let patterns = sink.arrays.filter { $0.0.role == "pattern" }
        XCTAssertEqual(patterns.map(\.0.filter), [0, 1])
        var options = FiltersOptions()
        (options.height, options.width, options.channels, options.units, options.seed) = (8, 8, 1, [0, 1], 3)
        let starts = FiltersVisualizer.starts(options)
        XCTAssertEqual(patterns[0].1.scalars, starts[0].scalars, "a dead filter's pattern is its start")
        XCTAssertEqual(patterns[0].1.shape, [1, 8, 8, 1])
        XCTAssertNotEqual(patterns[1].1.scalars, starts[1].scalars, "a live filter moves")
        for (_, array) in sink.arrays { XCTAssertTrue(array.scalars.allSatisfy(\.isFinite)) }
        XCTAssertTrue(starts[0].scalars.allSatisfy { $0 >= 128 && $0 < 148 })

        // Every other optimiser leaves it too, without NaN.
        for optimizer in ["adam", "rmsprop"] {
            let (sink, lines) = try run(
                "layer: conv\nfilters: [0]\nsteps: 3\noptimizer: \(optimizer)\nstart: {seed: 3}", model: model)
            XCTAssertEqual(lines.count, 1, optimizer)
            XCTAssertEqual(sink.arrays[0].1.scalars, starts[0].scalars, optimizer)
        }
        // With a regulariser the pattern moves, but the filter is still reported.
        let (_, regularized) = try run("layer: conv\nfilters: [0]\nsteps: 2\nregularizers: {total_variation: 1}", model: model)
        XCTAssertEqual(
            regularized, ["filters: layer conv filter 0 is dead (zero gradient): pattern shaped by the regularizers only"])
    }

    /// `gif` keeps the start and evenly spaced steps, the last frame being the final pattern.
    func testAnimationOfTheOptimisation() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let (sink, _) = try run("layer: conv2d_1\nfilters: [0, 3]\nsteps: 8\ngif: {frames: 5, delay: 4}", model: model)
        XCTAssertEqual(sink.animations.map(\.0.role), ["animation", "animation"])
        XCTAssertEqual(sink.animations.map(\.0.filter), [0, 3])
        let patterns = sink.images.filter { $0.0.role == "pattern" }
        for ((_, frames), (_, final)) in zip(sink.animations, patterns) {
            XCTAssertEqual(frames.count, 5)
            XCTAssertEqual(frames.last, final)
            XCTAssertNotEqual(frames.first, final)
        }
        var options = FiltersOptions()
        (options.steps, options.gifFrames) = (8, 5)
        XCTAssertEqual(options.gifSteps, [2, 4, 6, 8])
        (options.steps, options.gifFrames) = (3, 20)
        XCTAssertEqual(options.gifSteps, [1, 2, 3])
        let (plain, _) = try run("layer: conv2d_1\nfilters: [0]\nsteps: 2", model: model)
        XCTAssertTrue(plain.animations.isEmpty)
    }

    func testArtifactsAndGrid() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let (sink, lines) = try run(
            """
            layer: conv2d_1
            filters: 5
            steps: 3
            batch: 2
            images_per_row: 3
            margin: 2
            tile: 10
            modifiers: {jitter: 2, rotate: 5, scale: [0.9, 1.1]}
            regularizers: {total_variation: 0.1, norm: {weight: 0.01, p: 2}}
            """, model: model)
        XCTAssertTrue(lines.isEmpty, "\(lines)")
        XCTAssertEqual(sink.arrays.map(\.0.filter), [0, 1, 2, 3, 4])
        XCTAssertEqual(sink.arrays.map(\.0.name), (0..<5).map { ["conv2d_1", "filter_\($0)"] })
        XCTAssertTrue(sink.arrays.allSatisfy { $0.0.layer == "conv2d_1" && $0.0.input == nil && $0.1.shape == [1, 32, 32, 3] })
        let patterns = sink.images.filter { $0.0.role == "pattern" }
        XCTAssertEqual(patterns.map(\.0.filter), [0, 1, 2, 3, 4])
        XCTAssertTrue(patterns.allSatisfy { $0.1.width == 32 && $0.1.height == 32 && $0.1.channels == 3 })
        let grid = try XCTUnwrap(sink.images.first { $0.0.role == "grid" })
        XCTAssertEqual(grid.0.name, ["conv2d_1", "grid"])
        XCTAssertEqual([grid.1.width, grid.1.height], [3 * 10 + 2 * 2, 2 * 10 + 2])
        // The margin between the first two tiles is black.
        XCTAssertEqual(grid.1.pixels[10 * 3], 0)

        // The same seed gives the same patterns, whatever the batch size.
        let (again, _) = try run(
            """
            layer: conv2d_1
            filters: 5
            steps: 3
            batch: 5
            """, model: model)
        let (first, _) = try run("layer: conv2d_1\nfilters: 5\nsteps: 3\nbatch: 2", model: model)
        XCTAssertEqual(again.arrays.map(\.1), first.arrays.map(\.1))
    }

    func testNeuronAndClassObjectives() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let (neuron, _) = try run("layer: conv2d_1\nfilters: [3]\nsteps: 2\nobjective: {neuron: [7, 7]}", model: model)
        XCTAssertEqual(neuron.arrays.map(\.0.filter), [3])
        let (classes, _) = try run("objective: {class: [1, 4]}\nsteps: 2", model: model)
        XCTAssertEqual(classes.arrays.map(\.0.classIndex), [1, 4])
        XCTAssertEqual(classes.arrays.map(\.0.name), [["dense_1", "class_1"], ["dense_1", "class_4"]])
        XCTAssertNil(classes.arrays[0].0.filter)
        // The class objective raises that class's logit.
        var ascent = Ascent(graph: model.graph, inputNode: 0, targetNode: model.logitNode!, objective: .unit)
        let start = Tensor(shape: [1, 32, 32, 3], repeating: 0.5)
        ascent.steps = 5
        ascent.optimizer = .normalized(stepSize: 0.1)
        let end = try ascent.run(start: start, units: [1]).patterns
        XCTAssertGreaterThan(try ascent.objectiveValues(end, units: [1])[0], try ascent.objectiveValues(start, units: [1])[0])
    }

    func testStartFromArray() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("filters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = Tensor(shape: [8, 8, 1], scalars: (0..<64).map { Float($0) })
        try start.writeNpy(to: folder.appendingPathComponent("start.npy").path)
        let model = try TestModels.deadFilterModel(size: 8)
        let visualizer = FiltersVisualizer()
        let yaml = "layer: conv\nfilters: [0]\nsteps: 2\nstart: start.npy"
        try visualizer.configure(
            try ConfigNode.parse(yaml: yaml, file: folder.appendingPathComponent("c.yaml").path).mapping(),
            model: model)
        let sink = CollectingSink()
        try visualizer.run(RunContext(model: model, inputs: [], runName: "f", sink: sink))
        XCTAssertEqual(sink.arrays[0].1.scalars, start.scalars)
    }

    func testDeprocessIsTheBooks() {
        // mean 2, std sqrt(2): (x − 2)/(1.41422…) · 0.1 + 0.5, clipped, · 255, truncated.
        XCTAssertEqual(Deprocess.levels([0, 1, 2, 3, 4]), [91, 109, 127, 145, 163])
        XCTAssertEqual(Deprocess.levels([5, 5, 5]), [127, 127, 127])
        let bgr = Deprocess.bitmap(Tensor(shape: [1, 2, 3], scalars: [0, 1, 2, 3, 4, 5]), bgr: true)
        let rgb = Deprocess.bitmap(Tensor(shape: [1, 2, 3], scalars: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(bgr.pixels, [rgb.pixels[2], rgb.pixels[1], rgb.pixels[0], rgb.pixels[5], rgb.pixels[4], rgb.pixels[3]])
    }
}

final class FiltersOptionTests: XCTestCase {
    func testFilterIndexBeyondChannels() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let message = TestModels.configureError("layer: conv2d\nfilters: [1, 8]", model: model)
        XCTAssertTrue(message.contains("test.yaml:2:"), message)
        XCTAssertTrue(message.contains("filter 8 is out of range: layer 'conv2d' has 8 channels"), message)
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d\nfilters: 9", model: model)
                .contains("filters 9 is out of range: layer 'conv2d' has 8 channels"))
        // The default asks for 64 but takes what the layer has.
        let visualizer = FiltersVisualizer()
        XCTAssertNoThrow(try visualizer.configure(try runOptions("layer: conv2d"), model: model))
    }

    func testLayerErrors() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let flat = TestModels.configureError("layer: dense", model: model)
        XCTAssertTrue(flat.contains("layer 'dense' has output shape (None, 16); filters needs a 4-D"), flat)
        let typo = TestModels.configureError("layer: conv2d_11", model: model)
        XCTAssertTrue(typo.contains("no layer named 'conv2d_11'") && typo.contains("did you mean"), typo)
        XCTAssertTrue(TestModels.configureError("filters: 3", model: model).contains("missing the key 'layer'"))
        XCTAssertTrue(
            TestModels.configureError("objective: {class: 1}\nlayer: conv2d", model: model)
                .contains("`layer` is not used with the class objective"))
        XCTAssertTrue(TestModels.configureError("objective: {class: 5}", model: model).contains("class 5 is out of range"))
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d_1\nobjective: {neuron: [15, 0]}", model: model)
                .contains("outside layer 'conv2d_1''s 15x15 output"))
    }

    func testMissingSizeForAModelOfAnySize() throws {
        let model = try TestModels.deadFilterModel(inputShape: [-1, -1, -1, 1])
        let message = TestModels.configureError("layer: conv\nfilters: 1", model: model)
        XCTAssertTrue(
            message.contains("the model accepts any input size (None, None, None, 1); set `size: [height, width]`"), message)
        let visualizer = FiltersVisualizer()
        XCTAssertNoThrow(try visualizer.configure(try runOptions("layer: conv\nfilters: 1\nsize: [12, 10]"), model: model))
        let fixed = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d\nsize: [64, 64]", model: fixed).contains("only takes (None, 32, 32, 3)"))
    }

    func testUnknownOptimizerAndKeys() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let optimizer = TestModels.configureError("layer: conv2d\noptimizer: adamm", model: model)
        XCTAssertTrue(
            optimizer.contains(
                "test.yaml:2:12: error: unknown optimizer 'adamm' (known: normalized, adam, rmsprop, standardized); did you mean 'adam'?"
            ),
            optimizer)
        XCTAssertTrue(TestModels.configureError("layer: conv2d\nstep: 3", model: model).contains("did you mean 'steps'?"))
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d\noptimizer: adam\nstep_size: 2", model: model)
                .contains("step_size applies to the normalized and standardized optimizers"))
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d\nobjective: chanel", model: model).contains("did you mean 'channel'?"))
        XCTAssertTrue(
            TestModels.configureError("layer: conv2d\nmodifiers: {jiter: 2}", model: model).contains("did you mean 'jitter'?"))
    }
}
