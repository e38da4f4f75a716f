import VizCore
import VizTesting
import XCTest

/// The engine's forms of ONNX `Pad` (reflect, edge, wrap), `Resize` (coordinate transformations and
/// nearest roundings), `ConvTranspose` (explicit pads, output_padding) and `Slice`/`Gather`/`Split`.
final class ResamplingOpTests: XCTestCase {
    private func row(_ values: [Float]) -> Tensor { Tensor(shape: [1, 1, values.count, 1], scalars: values) }

    // MARK: - Pad

    /// NumPy's np.pad modes on [1, 2, 3], two cells each side (reflect also beyond its own length).
    func testPadModesFollowNumPy() {
        func padded(_ mode: Pad2DOp.Mode, _ left: Int, _ right: Int) -> [Float] {
            Pad2DOp(top: 0, bottom: 0, left: left, right: right, mode: mode, kind: "Pad").forward([row([1, 2, 3])]).scalars
        }
        XCTAssertEqual(padded(.zeros, 2, 2), [0, 0, 1, 2, 3, 0, 0])
        XCTAssertEqual(padded(.reflect, 2, 2), [3, 2, 1, 2, 3, 2, 1])
        XCTAssertEqual(padded(.edge, 2, 2), [1, 1, 1, 2, 3, 3, 3])
        XCTAssertEqual(padded(.wrap, 2, 2), [2, 3, 1, 2, 3, 1, 2])
        // np.pad([1, 2, 3], (5, 1), 'reflect') = [2, 1, 2, 3, 2, 1, 2, 3, 2]
        XCTAssertEqual(padded(.reflect, 5, 1), [2, 1, 2, 3, 2, 1, 2, 3, 2])
        // A negative amount crops, in every mode.
        XCTAssertEqual(padded(.reflect, -1, 2), [2, 3, 2, 1])
        let square = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
        XCTAssertEqual(
            Pad2DOp(top: 1, bottom: 0, left: 0, right: 1, mode: .edge, kind: "Pad").forward([square]).scalars,
            [1, 2, 2, 1, 2, 2, 3, 4, 4])
    }

    func testPadModeGradients() {
        var random = SeededGenerator(seed: 15_201)
        for mode in [Pad2DOp.Mode.zeros, .reflect, .edge, .wrap] {
            checkGradients(
                Pad2DOp(top: 2, bottom: 1, left: 3, right: 4, mode: mode, kind: "Pad"), [random.tensor([2, 3, 3, 2])],
                "\(mode)")
            checkGradients(
                Pad2DOp(top: -1, bottom: 2, left: 1, right: -1, mode: mode, kind: "Pad"), [random.tensor([1, 4, 3, 2])],
                "\(mode), cropping one side")
        }
    }

    func testPadCopyingCellsOfAnEmptyInputIsAnError() {
        XCTAssertThrowsError(
            try Pad2DOp(top: 1, bottom: 1, left: 1, right: 1, mode: .edge, kind: "Pad").outputShape(for: [[1, 0, 4, 2]]))
    }

    // MARK: - Resize

    private func resized(
        _ values: [Float], _ size: Resize2DOp.Size, _ interpolation: Resize2DOp.Interpolation,
        _ coordinates: Resize2DOp.Coordinates, _ rounding: Resize2DOp.Rounding = .roundPreferFloor
    ) -> [Float] {
        Resize2DOp(size, interpolation: interpolation, coordinates: coordinates, rounding: rounding, kind: "Resize")
            .forward([row(values)]).scalars
    }

    /// Each coordinate transformation of the ONNX specification, worked out by hand.
    func testResizeCoordinateTransformations() {
        let x: [Float] = [0, 3, 6, 12]
        // Positions i / 2 (asymmetric): 0, 0.5, 1, … ; floor keeps the left pixel.
        XCTAssertEqual(resized(x, .scale(1, 2), .nearest, .asymmetric, .floor), [0, 0, 3, 3, 6, 6, 12, 12])
        // (i + ½) / 2 − ½, clamped to [0, 3]: 0, 0.25, 0.75, …, 2.75, 3.
        assertClose(
            Tensor(shape: [8], scalars: resized(x, .scale(1, 2), .bilinear, .halfPixel)),
            Tensor(shape: [8], scalars: [0, 0.75, 2.25, 3.75, 5.25, 7.5, 10.5, 12]), tolerance: 1e-6)
        // 3 → 5 with the corners aligned: positions 0, 0.5, 1, 1.5, 2.
        XCTAssertEqual(resized([0, 4, 6], .fixed(1, 5), .bilinear, .alignCorners), [0, 2, 4, 5, 6])
        // One output pixel: pytorch_half_pixel samples position 0, half_pixel the middle (1.5).
        XCTAssertEqual(resized(x, .fixed(1, 1), .bilinear, .pytorchHalfPixel), [0])
        XCTAssertEqual(resized(x, .fixed(1, 1), .bilinear, .halfPixel), [4.5])
        // (i + ½) / 0.75 for 4 → 3: 0.67, 2, 3.33 → floor 0, 2, 3.
        XCTAssertEqual(resized(x, .fixed(1, 3), .nearest, .tfHalfPixelForNN, .floor), [0, 6, 12])
        // TensorFlow's (Keras) half-pixel nearest takes the same pixels.
        XCTAssertEqual(resized(x, .fixed(1, 3), .nearest, .tensorflow, .floor), [0, 6, 12])
    }

    /// Positions that fall halfway between two pixels go down or up as the nearest mode says.
    func testNearestRoundings() {
        let x: [Float] = [1, 2]
        XCTAssertEqual(resized(x, .scale(1, 2), .nearest, .asymmetric, .roundPreferFloor), [1, 1, 2, 2])
        XCTAssertEqual(resized(x, .scale(1, 2), .nearest, .asymmetric, .roundPreferCeil), [1, 2, 2, 2])
        XCTAssertEqual(resized(x, .scale(1, 2), .nearest, .asymmetric, .floor), [1, 1, 2, 2])
        XCTAssertEqual(resized(x, .scale(1, 2), .nearest, .asymmetric, .ceil), [1, 2, 2, 2])
        // 0.7 rounds to 1 except with floor.
        XCTAssertEqual(resized([1, 2, 3], .fixed(1, 4), .nearest, .alignCorners, .roundPreferFloor), [1, 2, 2, 3])
        XCTAssertEqual(resized([1, 2, 3], .fixed(1, 4), .nearest, .alignCorners, .floor), [1, 1, 2, 3])
    }

    /// A scale that is not a whole number: the output is ⌊size · scale⌋, positions use the scale.
    func testResizeByAFractionalScale() throws {
        let op = Resize2DOp(.scale(0.5, 1.5), interpolation: .nearest, coordinates: .asymmetric, rounding: .floor, kind: "Resize")
        XCTAssertEqual(try op.outputShape(for: [[1, 5, 5, 2]]), [1, 2, 7, 2])
        XCTAssertEqual(try op.outputShape(for: [[1, -1, 5, 2]]), [1, -1, 7, 2])
        // Positions i / 1.5: 0, 0.67, 1.33, 2, 2.67, 3.33, 4.
        XCTAssertEqual(
            Resize2DOp(.scale(1, 1.5), interpolation: .nearest, coordinates: .asymmetric, rounding: .floor, kind: "Resize")
                .forward([row([0, 1, 2, 3, 4])]).scalars, [0, 0, 1, 2, 2, 3, 4])
        XCTAssertThrowsError(try op.outputShape(for: [[1, 1, 5, 2]]))
    }

    func testResizeGradients() {
        var random = SeededGenerator(seed: 15_202)
        let x = random.tensor([2, 4, 5, 2])
        for coordinates in [Resize2DOp.Coordinates.halfPixel, .pytorchHalfPixel, .alignCorners, .asymmetric] {
            for size in [Resize2DOp.Size.scale(2, 1.5), .fixed(3, 7)] {
                checkGradients(
                    Resize2DOp(size, interpolation: .bilinear, coordinates: coordinates, kind: "Resize"), [x],
                    "bilinear \(coordinates) \(size)")
            }
        }
        for rounding in [Resize2DOp.Rounding.roundPreferFloor, .roundPreferCeil, .floor, .ceil] {
            checkGradients(
                Resize2DOp(.fixed(7, 3), interpolation: .nearest, coordinates: .halfPixel, rounding: rounding, kind: "Resize"),
                [x], "nearest \(rounding)")
        }
    }

    // MARK: - ConvTranspose

    /// Explicit pads crop the full transposed convolution (valid, with the output padding) from
    /// each side, as ONNX's ConvTranspose does.
    func testTransposedConvolutionWithExplicitPadsCropsTheFullOutput() throws {
        var random = SeededGenerator(seed: 15_203)
        let cases:
            [(
                input: [Int], kernel: (Int, Int), strides: (Int, Int), dilation: (Int, Int), pads: ExplicitPadding,
                outputPadding: (Int, Int)
            )] = [
                ([1, 4, 3, 2], (3, 3), (2, 2), (1, 1), ExplicitPadding(top: 1, left: 1, bottom: 1, right: 1), (1, 1)),
                ([2, 3, 4, 3], (4, 3), (2, 1), (1, 2), ExplicitPadding(top: 0, left: 2, bottom: 3, right: 1), (1, 0)),
                ([1, 3, 3, 1], (2, 2), (3, 3), (1, 1), ExplicitPadding(top: 2, left: 0, bottom: 0, right: 1), (2, 0)),
            ]
        for (number, c) in cases.enumerated() {
            let kernel = random.tensor([c.kernel.0, c.kernel.1, 3, c.input[3]])
            let bias = random.tensor([3]).scalars
            let x = random.tensor(c.input)
            let op = Conv2DTransposeOp(
                kernel: kernel, bias: bias, strides: c.strides, dilation: c.dilation, padding: .explicit(c.pads),
                outputPadding: c.outputPadding)
            let full = Conv2DTransposeOp(
                kernel: kernel, bias: bias, strides: c.strides, dilation: c.dilation, padding: .valid,
                outputPadding: c.outputPadding
            ).forward([x])
            let expected = Pad2DOp.cropping(top: c.pads.top, bottom: c.pads.bottom, left: c.pads.left, right: c.pads.right)
                .forward([full])
            XCTAssertEqual(try op.outputShape(for: [x.shape]), expected.shape, "case \(number)")
            assertClose(op.forward([x]), expected, tolerance: 1e-5, "case \(number)")
            checkGradients(op, [x], "case \(number)")
        }
        let cropsAll = Conv2DTransposeOp(
            kernel: random.tensor([2, 2, 1, 1]), bias: nil,
            padding: .explicit(ExplicitPadding(top: 2, left: 0, bottom: 1, right: 0)))
        XCTAssertThrowsError(try cropsAll.outputShape(for: [[1, 1, 4, 1]]))
    }

    // MARK: - Index selection

    func testIndexSelectKeepsListedPositionsInOrder() throws {
        let x = Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Float.init))
        let op = IndexSelectOp(positions: [nil, [2, 0, 2]], kind: "Gather")
        XCTAssertEqual(try op.outputShape(for: [x.shape]), [2, 2, 3])
        XCTAssertEqual(op.forward([x]).scalars, [2, 0, 2, 5, 3, 5, 8, 6, 8, 11, 9, 11])
        let rows = IndexSelectOp(positions: [[1], nil], kind: "Slice")
        XCTAssertEqual(rows.forward([x]).scalars, [3, 4, 5, 9, 10, 11])
        XCTAssertThrowsError(try op.outputShape(for: [[2, 2, 2]]))
        XCTAssertThrowsError(try IndexSelectOp(positions: [[], nil], kind: "Slice").outputShape(for: [x.shape]))
        XCTAssertThrowsError(try op.outputShape(for: [[2, 2, 3, 1]]))
    }

    func testIndexSelectGradients() {
        var random = SeededGenerator(seed: 15_204)
        let x = random.tensor([2, 3, 4, 5])
        checkGradients(IndexSelectOp(positions: [[2, 0], nil, [4, 1, 1, 3]], kind: "Slice"), [x], "two axes, a repeat")
        checkGradients(IndexSelectOp(positions: [nil, [3, 3], nil], kind: "Gather"), [x], "middle axis")
        checkGradients(IndexSelectOp(positions: [nil, nil, [0, 2, 4]], kind: "Slice"), [x], "last axis, step 2")
    }
}
