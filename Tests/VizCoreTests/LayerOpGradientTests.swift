import VizCore
import VizTesting
import XCTest

/// Finite-difference checks of the input gradients of the ops behind issue 4's Keras layers.
final class LayerOpGradientTests: XCTestCase {
    // MARK: - Convolutions

    func testDepthwiseConv2DGradients() {
        let cases:
            [(
                input: [Int], kernel: (Int, Int), multiplier: Int, strides: (Int, Int), dilation: (Int, Int), padding: Padding,
                bias: Bool
            )] = [
                ([1, 6, 7, 3], (3, 3), 1, (1, 1), (1, 1), .same, true),
                ([2, 7, 6, 2], (3, 2), 3, (2, 2), (1, 1), .same, false),
                ([1, 8, 9, 2], (2, 3), 2, (1, 2), (1, 1), .valid, true),
                ([1, 9, 8, 3], (3, 3), 2, (1, 1), (2, 2), .same, true),
            ]
        for (number, c) in cases.enumerated() {
            var random = SeededGenerator(seed: 4_000 + UInt64(number))
            let op = DepthwiseConv2DOp(
                kernel: random.tensor([c.kernel.0, c.kernel.1, c.input[3], c.multiplier]),
                bias: c.bias ? random.tensor([c.input[3] * c.multiplier]).scalars : nil,
                strides: c.strides, dilation: c.dilation, padding: c.padding)
            checkGradients(op, [random.tensor(c.input)], "case \(number)")
        }
    }

    func testSeparableConv2DGradients() {
        var random = SeededGenerator(seed: 4_100)
        let op = SeparableConv2DOp(
            depthwiseKernel: random.tensor([3, 3, 3, 2]), pointwiseKernel: random.tensor([1, 1, 6, 4]),
            bias: random.tensor([4]).scalars, strides: (2, 2), padding: .same)
        checkGradients(op, [random.tensor([2, 7, 6, 3])])
        let dilated = SeparableConv2DOp(
            depthwiseKernel: random.tensor([2, 3, 2, 1]), pointwiseKernel: random.tensor([1, 1, 2, 3]),
            bias: nil, dilation: (2, 1), padding: .valid)
        checkGradients(dilated, [random.tensor([1, 6, 6, 2])], "dilated")
    }

    func testConv2DTransposeGradients() {
        let cases:
            [(
                input: [Int], kernel: (Int, Int), filters: Int, strides: (Int, Int), dilation: (Int, Int), padding: Padding,
                outputPadding: (Int, Int)?
            )] = [
                ([1, 3, 4, 2], (3, 3), 3, (2, 2), (1, 1), .same, nil),
                ([2, 3, 3, 2], (3, 2), 2, (2, 1), (1, 1), .valid, nil),
                ([1, 3, 2, 3], (2, 2), 2, (3, 3), (1, 1), .valid, nil), // kernel smaller than stride
                ([1, 3, 3, 2], (3, 3), 2, (2, 2), (1, 1), .same, (1, 0)),
                ([1, 4, 3, 2], (3, 2), 2, (1, 1), (2, 2), .same, nil),
            ]
        for (number, c) in cases.enumerated() {
            var random = SeededGenerator(seed: 4_200 + UInt64(number))
            let op = Conv2DTransposeOp(
                kernel: random.tensor([c.kernel.0, c.kernel.1, c.filters, c.input[3]]),
                bias: random.tensor([c.filters]).scalars, strides: c.strides, dilation: c.dilation,
                padding: c.padding, outputPadding: c.outputPadding)
            checkGradients(op, [random.tensor(c.input)], "case \(number)")
        }
    }

    func testOneDimensionalLayersGradients() {
        var random = SeededGenerator(seed: 4_300)
        let conv = Lift1DOp(
            Conv2DOp(
                kernel: random.tensor([1, 3, 2, 4]), bias: random.tensor([4]).scalars,
                strides: (1, 2), padding: .same), kind: "Conv1D")
        checkGradients(conv, [random.tensor([2, 9, 2])], "Conv1D")
        let pool = Lift1DOp(Pool2DOp(.max, poolSize: (1, 2), strides: (1, 2), padding: .same), kind: "MaxPooling1D")
        checkGradients(pool, [random.distinctTensor([2, 7, 3])], "MaxPooling1D")
        let average = Lift1DOp(Pool2DOp(.average, poolSize: (1, 3), strides: (1, 1), padding: .valid), kind: "AveragePooling1D")
        checkGradients(average, [random.tensor([1, 6, 2])], "AveragePooling1D")
    }

    // MARK: - Normalisation

    func testAffineGradients() {
        var random = SeededGenerator(seed: 4_400)
        let batchNorm = AffineOp.batchNormalization(
            mean: random.tensor([1, 1, 3]), variance: random.tensor([1, 1, 3], 0.3, 2),
            gamma: random.tensor([1, 1, 3]), beta: random.tensor([1, 1, 3]),
            epsilon: 1e-3)
        checkGradients(batchNorm, [random.tensor([2, 3, 4, 3])], "channels")
        let rows = AffineOp(scale: random.tensor([4, 1, 1]), offset: random.tensor([4, 1, 1]), kind: "BatchNormalization")
        checkGradients(rows, [random.tensor([2, 4, 3, 2])], "rows")
        let scalar = AffineOp(
            scale: Tensor(shape: [1, 1, 1], scalars: [0.5]), offset: Tensor(shape: [1, 1, 1], scalars: [-1]),
            kind: "Rescaling")
        checkGradients(scalar, [random.tensor([1, 3, 2, 2])], "scalar")
    }

    func testLayerNormGradients() {
        for (number, axes) in [[3], [1, 2, 3], [2], [1, 3]].enumerated() {
            var random = SeededGenerator(seed: 4_500 + UInt64(number))
            let shape = [2, 3, 4, 5]
            let width = axes.map { shape[$0] }.reduce(1, *)
            let op = LayerNormOp(
                axes: axes, gamma: random.tensor([width]).scalars, beta: random.tensor([width]).scalars,
                epsilon: 1e-3)
            checkGradients(op, [random.tensor(shape, -2, 2)], epsilon: 1e-3, "axes \(axes)")
        }
        var random = SeededGenerator(seed: 4_550)
        checkGradients(
            LayerNormOp(axes: [2], gamma: nil, beta: nil, epsilon: 0.01), [random.tensor([2, 3, 4])], epsilon: 1e-3,
            "rank 3 without gamma and beta")
    }

    // MARK: - Pooling, merging, reshaping

    func testGlobalPoolingGradients() {
        var random = SeededGenerator(seed: 4_600)
        for keepDims in [false, true] {
            checkGradients(
                GlobalPoolOp(.average, keepDims: keepDims, kind: "GlobalAveragePooling2D"),
                [random.tensor([2, 3, 4, 3])], "average keepDims \(keepDims)")
            checkGradients(
                GlobalPoolOp(.max, keepDims: keepDims, kind: "GlobalMaxPooling2D"),
                [random.distinctTensor([2, 3, 4, 3])], "max keepDims \(keepDims)")
        }
        checkGradients(
            GlobalPoolOp(.average, keepDims: false, kind: "GlobalAveragePooling1D"), [random.tensor([2, 5, 3])], "1-D")
    }

    func testElementwiseMergeGradients() {
        for operation in [ElementwiseMergeOp.Operation.subtract, .multiply, .average, .maximum, .minimum] {
            var random = SeededGenerator(seed: 4_700)
            let count = operation == .subtract ? 2 : 3
            // One ladder of distinct values dealt out to the inputs: no ties between them.
            let values = random.distinctTensor([count * 24]).scalars
            let inputs = (0..<count).map { Tensor(shape: [2, 3, 4], scalars: Array(values[($0 * 24)..<(($0 + 1) * 24)])) }
            checkGradients(ElementwiseMergeOp(operation), inputs, "\(operation)")
        }
    }

    /// A squeeze-and-excite block multiplies (N, H, W, C) by (N, 1, 1, C): the smaller input's
    /// gradient sums over the axes it was repeated along.
    func testBroadcastingMergeGradients() {
        for operation in [ElementwiseMergeOp.Operation.subtract, .multiply, .average, .maximum, .minimum] {
            var random = SeededGenerator(seed: 4_750)
            let values = random.distinctTensor([2 * 3 * 4 * 2 + 2 * 2 + 3 * 2]).scalars
            let full = Tensor(shape: [2, 3, 4, 2], scalars: Array(values[0..<48]))
            let perChannel = Tensor(shape: [2, 1, 1, 2], scalars: Array(values[48..<52]))
            let perRow = Tensor(shape: [1, 3, 1, 2], scalars: Array(values[52..<58]))
            let inputs = operation == .subtract ? [perChannel, full] : [full, perChannel, perRow]
            XCTAssertEqual(try ElementwiseMergeOp(operation).outputShape(for: inputs.map(\.shape)), [2, 3, 4, 2])
            checkGradients(ElementwiseMergeOp(operation), inputs, "\(operation), broadcast")
        }
    }

    func testPermuteGradients() {
        var random = SeededGenerator(seed: 4_800)
        for dims in [[2, 1, 3], [3, 1, 2], [1, 3, 2]] {
            checkGradients(PermuteOp(dims: dims), [random.tensor([2, 3, 4, 2])], "dims \(dims)")
        }
    }

    func testPadAndCropGradients() {
        var random = SeededGenerator(seed: 4_900)
        checkGradients(Pad2DOp(top: 1, bottom: 2, left: 0, right: 3), [random.tensor([2, 3, 4, 2])], "pad")
        checkGradients(Pad2DOp.cropping(top: 1, bottom: 0, left: 2, right: 1), [random.tensor([2, 4, 5, 2])], "crop")
    }

    func testResizeGradients() {
        var random = SeededGenerator(seed: 5_000)
        for interpolation in [Resize2DOp.Interpolation.nearest, .bilinear] {
            for size in [Resize2DOp.Size.scale(2, 3), .fixed(7, 4), .fixed(2, 3)] {
                checkGradients(
                    Resize2DOp(size, interpolation: interpolation, kind: "Resizing"), [random.tensor([2, 4, 5, 2])],
                    "\(interpolation) \(size)")
            }
        }
    }

    func testSoftmaxOverAnyAxisGradients() {
        var random = SeededGenerator(seed: 5_100)
        for axis in [1, 2, -1] {
            checkGradients(SoftmaxOp(axis: axis), [random.tensor([2, 3, 4, 3], -2, 2)], epsilon: 1e-3, "axis \(axis)")
        }
    }

    // MARK: - Activation layers

    /// Random values moved at least 0.1 away from every kink, so a finite-difference step of 0.01
    /// never crosses one.
    private func awayFromKinks(_ kinks: [Float], seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed)
        let x = random.tensor([2, 3, 3, 4], -4, 8)
        return Tensor(
            shape: x.shape,
            scalars: x.scalars.map { value in
                kinks.first { abs(value - $0) < 0.1 }.map { $0 + 0.1 } ?? value
            })
    }

    func testReLULayerGradients() {
        let cases: [(ReLUOp, [Float])] = [
            (ReLUOp(), [0]),
            (ReLUOp(maxValue: 6), [0, 6]),
            (ReLUOp(maxValue: 2.5, negativeSlope: 0.1, threshold: 0.3), [0, 0.3, 2.5]),
            (ReLUOp(negativeSlope: 0.2), [0]),
            (ReLUOp(threshold: 1, kind: "ThresholdedReLU"), [1]),
            (ReLUOp(maxValue: 3, threshold: -1), [-1, 0, 3]),
        ]
        for (number, (op, kinks)) in cases.enumerated() {
            checkGradients(
                op, [awayFromKinks(kinks, seed: 5_200 + UInt64(number))],
                "max \(String(describing: op.maxValue)) slope \(op.negativeSlope) threshold \(op.threshold)")
        }
        checkGradients(ELUOp(alpha: 0.7), [awayFromKinks([0], seed: 5_300)], epsilon: 1e-3, "ELU")
    }

    func testPReLUGradients() {
        var random = SeededGenerator(seed: 5_400)
        for alphaShape in [[3, 4, 2], [1, 1, 2], [3, 1, 1]] {
            let op = PReLUOp(alpha: random.tensor(alphaShape, 0.05, 0.5))
            checkGradients(op, [random.tensorAvoidingZero([2, 3, 4, 2])], "alpha \(alphaShape)")
        }
    }
}
