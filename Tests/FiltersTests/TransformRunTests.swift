import Foundation
import HDF5Loader
import VizCore
import VizRunner
import VizTesting
import XCTest

@testable import Filters

/// `transforms` read from a config, run through the ascent, and their errors.
final class TransformRunTests: XCTestCase {
    /// input (1, h, w, 3) of any size → conv `conv` (3×3 same, 4 filters, seeded) → relu.
    static func colourModel() throws -> Model {
        var generator = SeededGenerator(seed: 11)
        let kernel = Tensor(shape: [3, 3, 3, 4], scalars: (0..<108).map { _ in generator.uniform(-0.5, 0.5) })
        return try Model.sequential(
            input: [-1, -1, 3],
            [("conv_pre", Conv2DOp(kernel: kernel, bias: [0.1, 0.2, 0, 0.05], padding: .same)), ("conv", ActivationOp(.relu))])
    }

    func testConfigReadsTransformsInOrder() throws {
        let model = try Self.colourModel()
        let standard = try FiltersOptions(try runOptions("layer: conv\nsize: [16, 16]\ntransforms: standard"), model: model)
        XCTAssertEqual(standard.transforms.count, TransformChain.standard.count)
        XCTAssertTrue(try FiltersOptions(try runOptions("layer: conv\nsize: [16, 16]"), model: model).transforms.isEmpty)
        let listed = try FiltersOptions(
            try runOptions(
                """
                layer: conv
                size: [16, 16]
                transforms: [{pad: 12}, {pad: {width: 2, mode: reflect}}, {jitter: 8}, {scale: [0.9, 1.1]}, {rotate: [-2, 1]}]
                """), model: model
        ).transforms
        XCTAssertEqual(listed[0] as? Pad, Pad(width: 12, mode: .constant))
        XCTAssertEqual(listed[1] as? Pad, Pad(width: 2, mode: .reflect))
        XCTAssertEqual(listed[2] as? Jitter, Jitter(distance: 8))
        XCTAssertEqual(listed[3] as? RandomScale, RandomScale(factors: [0.9, 1.1]))
        XCTAssertEqual(listed[4] as? RandomRotation, RandomRotation(degrees: [-2, -1, 0, 1]))
    }

    /// The standard transforms with Lucid's parameterisation on a model of any input size: the
    /// patterns keep the asked size, and the same seed draws the same transforms.
    func testStandardTransformsRunAndAreSeeded() throws {
        let model = try Self.colourModel()
        func patterns() throws -> [Tensor] {
            let visualizer = FiltersVisualizer()
            try visualizer.configure(
                try runOptions(
                    """
                    layer: conv
                    filters: [0, 1, 3]
                    size: [20, 20]
                    parameterization: fft
                    transforms: standard
                    optimizer: adam
                    learning_rate: 0.05
                    steps: 4
                    """), model: model)
            return try visualizer.collect(model: model, inputs: []).arrays.map(\.1)
        }
        let first = try patterns()
        XCTAssertEqual(first.map(\.shape), Array(repeating: [1, 20, 20, 3], count: 3))
        XCTAssertTrue(first.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        XCTAssertEqual(try patterns(), first)
    }

    /// Each bad transform is refused at its key path.
    func testTransformErrors() throws {
        let model = try Self.colourModel()
        let cases: [(String, String)] = [
            (
                "transforms: [{pda: 3}]",
                "unknown transform 'pda' (known: pad, jitter, scale, rotate); did you mean 'pad'? (at transforms[0])"
            ),
            ("transforms: strandard", "transforms is `standard` or a list such as [{pad: 12}, {jitter: 8}] (at transforms)"),
            ("transforms: [{scale: [0.9, 0]}]", "scale factors must be positive, not 0.0 (at transforms[0].scale[1])"),
            ("transforms: [{scale: []}]", "scale needs at least one factor (at transforms[0].scale)"),
            (
                "transforms: [{rotate: [10, -10]}]",
                "the rotation range [10, -10] is backwards: low must not exceed high (at transforms[0].rotate)"
            ),
            ("transforms: [{jitter: 1}]", "jitter moves by 0 ..< d pixels: d must be at least 2 (at transforms[0].jitter)"),
            (
                "transforms: [{pad: {width: 2, mode: wrap}}]",
                "unknown mode 'wrap' (known: constant, reflect) (at transforms[0].pad.mode)"
            ),
            (
                "transforms: [{pad: 2, jitter: 2}]",
                "each transform is a mapping of one key: pad, jitter, scale or rotate (at transforms[0])"
            ),
        ]
        for (line, message) in cases {
            let error = TestModels.configureError("layer: conv\nsize: [8, 8]\n" + line, model: model)
            XCTAssertTrue(error.contains("test.yaml:3:"), error)
            XCTAssertTrue(error.contains("error: " + message), error)
        }
        let fixed = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let error = TestModels.configureError("layer: conv2d_1\ntransforms: [{jitter: 4}, {pad: 2}]", model: fixed)
        XCTAssertTrue(
            error.contains(
                "error: pad and scale change the image's size, and the model only takes (None, 32, 32, 3) inputs (at transforms)"),
            error)
        XCTAssertNoThrow(
            try FiltersVisualizer().configure(
                try runOptions("layer: conv2d_1\ntransforms: [{jitter: 4}, {rotate: [-5, 5]}]"), model: fixed))
    }
}
