import Foundation
import VizCore
import VizImage
import VizRunner
import VizTesting
import XCTest

@testable import Filters

/// DeepDream (`start: {image: PATH}`, `octaves`, `octave_scale`) through the `vizrun` command,
/// against the TensorFlow tutorial's procedure (Scripts/make_deepdream_fixtures.py).
final class DeepDreamTests: XCTestCase {
    var folder: URL!
    var out: URL { folder.appendingPathComponent("out") }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("deepdream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A config of one filters run (`run`'s lines, indented as run keys) on `model`, as the file's path.
    func config(model: String = Fixtures.path("deepdream/model.h5"), input: String = "preset: tf", run: String) throws -> String {
        let path = folder.appendingPathComponent("config.yaml").path
        try """
        model: \(model)
        input:
          images: [\(Fixtures.path("deepdream/photo.png"))]
          \(input)
        output:
          dir: \(out.path)
          arrays: true
        runs:
          - visualizer: filters
        \(run)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Three standardised steps at each of two octaves (20x29, then the photo's 29x41) of the
    /// `layer` objective, clipped to the `tf` preset's [-1, 1], as TensorFlow computes them.
    func testDreamMatchesTensorFlow() throws {
        let reference =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("deepdream/reference.json")))) as! [String: Any]
        let sizes = DeepDream.octaveSizes(height: 29, width: 41, octaves: 2, scale: 1.4).map { [$0.height, $0.width] }
        XCTAssertEqual(sizes, reference["sizes"] as? [[Int]])
        let path = try config(
            run: """
                    objective: {layer: dream}
                    start: {image: \(Fixtures.path("deepdream/photo.png"))}
                    octaves: 2
                    octave_scale: 1.4
                    steps: 3
                    step_size: 0.05
                """)
        let result = try VizrunCommand.run([path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)

        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json")))
        let artifacts = manifest.runs[0].artifacts
        XCTAssertEqual(artifacts.map(\.role), ["dream", "dream"])
        XCTAssertEqual(artifacts.map(\.kind), ["array", "image"])
        XCTAssertEqual(artifacts.map(\.path), ["filters/dream/sample_0.npy", "filters/dream/sample_0.png"])
        XCTAssertEqual(artifacts[0].shape, [29, 41, 3])

        let expected = try Tensor(npyFileAt: Fixtures.path("deepdream/dream.npy"))
        let dream = try Tensor(npyFileAt: out.appendingPathComponent("filters/dream/sample_0.npy").path)
        XCTAssertEqual(dream.shape, expected.shape)
        let worst = zip(dream.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-5 * expected.maxAbs, "largest difference \(worst)")

        // The picture is the dream's levels, 255 · (x + 1) / 2 truncated (the tutorial's deprocess).
        let picture = try Bitmap(contentsOfFile: out.appendingPathComponent("filters/dream/sample_0.png").path)
        XCTAssertEqual([picture.height, picture.width, picture.channels], [29, 41, 3])
        for (level, value) in zip(picture.pixels, expected.scalars) {
            XCTAssertEqual(Float(level), (min(max(value, -1), 1) + 1) * 127.5, accuracy: 1, "value \(value)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("filters/dream/grid.png").path))
    }

    /// The dream starts from the photo: with its gradient normalised by its deviation, one step
    /// moves every item by step_size on average, and the run is the photo at its own size.
    func testStandardizedStepDividesByTheDeviation() {
        let gradient = Tensor(shape: [2, 1, 2, 1], scalars: [1, 3, -2, -2])
        let standardized = OptimizerState.standardized(gradient, batch: 2)
        // Item 0: mean 2, population deviation 1; item 1: deviation 0, so only the 1e-8 divides.
        XCTAssertEqual(standardized.scalars[0], 1, accuracy: 1e-6)
        XCTAssertEqual(standardized.scalars[1], 3, accuracy: 1e-6)
        XCTAssertEqual(standardized.scalars[2], -2e8, accuracy: 1e2)
    }

    /// The inverse preprocessing gives the photo back, channel order included (caffe's BGR).
    func testPictureInvertsThePreprocessing() throws {
        let photo = try Bitmap(contentsOfFile: Fixtures.path("deepdream/photo.png"))
        let mapping = try Preprocessing(preset: .caffe).inputMapping(channels: 3)
        let dream = DeepDream(inputMapping: mapping)
        let input = dream.input(of: photo)
        XCTAssertEqual(input.scalars[0], Float(photo.pixels[2]) - 103.939, accuracy: 1e-4)
        XCTAssertEqual(dream.picture(of: Tensor(shape: input.shape, scalars: input.scalars.map { $0 + 1e-3 })), photo)
        XCTAssertEqual(dream.validRange.low, [-103.939, -116.779, -123.68])
    }

    /// Each bad value stops the run before anything is written: one line naming the key path, its
    /// line and column, exit status 1.
    func testDeepDreamErrorsStopTheRun() throws {
        let notAnImage = folder.appendingPathComponent("notes.png")
        try "not a picture".write(to: notAnImage, atomically: true, encoding: .utf8)
        let photo = Fixtures.path("deepdream/photo.png")
        let cases: [(run: String, line: Int, column: Int, message: String)] = [
            (
                "    objective: {layer: dream}\n    start: {image: \(folder.path)/missing.jpg}", 11, 20,
                "no such file (at runs[0].start.image)"
            ),
            (
                "    objective: {layer: dream}\n    start: {image: \(notAnImage.path)}", 11, 20,
                "not a JPEG or PNG image (its first bytes match neither) (at runs[0].start.image)"
            ),
            (
                "    objective: {layer: dream}\n    start: {image: \(photo)}\n    octaves: 0", 12, 14,
                "octaves must be at least 1 (at runs[0].octaves)"
            ),
            (
                "    objective: {layer: dream}\n    start: {image: \(photo)}\n    octave_scale: 0", 12, 19,
                "octave_scale must be positive, not 0.0 (at runs[0].octave_scale)"
            ),
            (
                "    objective: {layer: dream}\n    start: {image: \(photo)}\n    octaves: 20", 12, 14,
                "octave 0x0 of the 29x41 photo has no pixels: use fewer octaves or an octave_scale nearer 1 (at runs[0].octaves)"
            ),
            (
                "    objective: {layer: dream}\n    octaves: 3\n    size: [29, 41]", 11, 14,
                "octaves applies to DeepDream, whose start is a photo: start: {image: PATH} (at runs[0].octaves)"
            ),
            (
                "    objective: {layer: dream}\n    start: {image: \(photo), low: 0}", 11, 20 + photo.count + 7,
                "start.low sets pixel noise; a start image is the start itself (at runs[0].start.low)"
            ),
            (
                "    objective: {layer: dream}\n    parameterization: fft\n    start: {image: \(photo)}", 12, 20,
                "a start image sets pixels; with parameterization fft only start.seed applies (at runs[0].start.image)"
            ),
        ]
        for (run, line, column, message) in cases {
            let path = try config(run: run)
            let result = try VizrunCommand.run([path])
            XCTAssertEqual(result.status, 1, run)
            XCTAssertTrue(result.stderr.hasPrefix("vizrun: \(path):\(line):\(column): error: \(message)\n"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written: \(run)")
        }
    }

    /// A model with a fixed input size takes the photo resized to it, at one octave only.
    func testFixedSizeModelRefusesOctaves() throws {
        let path = try config(
            model: Fixtures.path("models/k2_sequential/model.h5"), input: "scale: 1/255",
            run: "    objective: {layer: conv2d_1}\n    start: {image: \(Fixtures.path("deepdream/photo.png"))}\n    octaves: 2")
        let result = try VizrunCommand.run([path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.hasPrefix(
                "vizrun: \(path):12:14: error: octaves change the image's size, and the model only takes (None, 32, 32, 3) inputs (at runs[0].octaves)\n"
            ), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")

        let oneOctave = try config(
            model: Fixtures.path("models/k2_sequential/model.h5"), input: "scale: 1/255",
            run:
                "    objective: {layer: conv2d_1}\n    start: {image: \(Fixtures.path("deepdream/photo.png"))}\n    steps: 2\n    gif: {frames: 3}"
        )
        let run = try VizrunCommand.run([oneOctave, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let dream = try Tensor(npyFileAt: out.appendingPathComponent("filters/conv2d_1/sample_0.npy").path)
        XCTAssertEqual(dream.shape, [32, 32, 3])
        XCTAssertTrue(dream.scalars.allSatisfy { $0 >= 0 && $0 <= 1 }, "clipped to the levels 0…255 ÷ 255")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("filters/conv2d_1/sample_0.gif").path))
    }

    /// A one-channel model dreams the photo's luma, at the photo's size, within the levels 0…255
    /// (no preprocessing given), and files a grey picture and animation under the filter.
    func testGreyModelDreamsTheLuma() throws {
        let model = try TestModels.deadFilterModel(inputShape: [-1, -1, -1, 1])
        let visualizer = FiltersVisualizer()
        try visualizer.configure(
            try runOptions(
                "layer: conv\nfilters: [1]\nsteps: 2\nstep_size: 40\noctaves: 2\ngif: {frames: 5}\nstart: {image: \(Fixtures.path("deepdream/photo.png"))}"
            ), model: model)
        let sink = CollectingSink()
        try visualizer.run(RunContext(model: model, inputs: [], runName: "filters", sink: sink))
        let photo = try Bitmap(contentsOfFile: Fixtures.path("deepdream/photo.png"), colorMode: .grayscale)
        XCTAssertEqual(sink.arrays.map(\.0.role), ["dream"])
        let dream = try XCTUnwrap(sink.arrays.first?.1)
        XCTAssertEqual(dream.shape, [1, 29, 41, 1])
        XCTAssertTrue(dream.scalars.allSatisfy { $0 >= 0 && $0 <= 255 })
        XCTAssertNotEqual(dream.scalars, photo.pixels.map(Float.init), "the dream moved")
        XCTAssertEqual(sink.images.map { [$0.1.height, $0.1.width, $0.1.channels] }, [[29, 41, 1]])
        XCTAssertEqual(sink.images.first?.0.filter, 1)
        // The animation runs across both octaves (steps 1…4), every frame at the photo's size.
        let frames = try XCTUnwrap(sink.animations.first?.1)
        XCTAssertEqual(frames.count, 5)
        XCTAssertTrue(frames.allSatisfy { [$0.height, $0.width] == [29, 41] })
        XCTAssertEqual(frames.last, sink.images.first?.1)
    }

    /// A start image is decoded as grey or colour: other channel counts are refused where the image is named.
    func testStartImageNeedsOneOrThreeChannels() throws {
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: [-1, -1, -1, 4]))
        let conv = try graph.add(
            "conv", Conv2DOp(kernel: Tensor(zeros: [3, 3, 4, 2]), bias: [0, 0], padding: .same), inputs: [input])
        let model = Model(
            graph: graph,
            layers: [
                Model.Layer(name: "input", className: "InputLayer", outputNode: input, inputLayers: [], parameterCount: 0),
                Model.Layer(name: "conv", className: "Conv2D", outputNode: conv, inputLayers: ["input"], parameterCount: 74),
            ],
            outputLayers: ["conv"], path: "four.h5", loaderName: "test")
        let message = TestModels.configureError("layer: conv\nstart: {image: photo.png}", model: model)
        XCTAssertTrue(
            message.contains(
                "test.yaml:2:16: error: a start image needs a model with 1 or 3 input channels, this one takes 4 (at start.image)"
            ),
            message)
    }
}
