import Foundation
import VizCore
import VizTesting
import XCTest

/// Forward checks of the ops behind issue 4's Keras layers: direct-loop references written from
/// TensorFlow's rules, sharing no code with the ops, and hand-computed values.
final class LayerOpForwardTests: XCTestCase {
    // MARK: - Convolutions

    /// A depthwise kernel as the equivalent ordinary kernel: zero except input c → output c·m + j.
    private func fullKernel(ofDepthwise w: Tensor) -> Tensor {
        let (kh, kw, channels, multiplier) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let outChannels = channels * multiplier
        var full = Tensor(zeros: [kh, kw, channels, outChannels])
        for tap in 0..<(kh * kw) {
            for c in 0..<channels {
                for j in 0..<multiplier {
                    full.scalars[(tap * channels + c) * outChannels + c * multiplier + j] =
                        w.scalars[(tap * channels + c) * multiplier + j]
                }
            }
        }
        return full
    }

    func testDepthwiseConv2DMatchesAnOrdinaryConvolutionWithABlockDiagonalKernel() {
        var random = SeededGenerator(seed: 6_000)
        for number in 0..<30 {
            let padding: Padding = random.bool() ? .same : .valid
            let kernel = (random.int(1...3), random.int(1...3))
            let strides = number % 3 == 0 ? (1, 1) : (random.int(1...2), random.int(1...2))
            let dilation = number % 3 == 0 ? (random.int(1...2), random.int(1...2)) : (1, 1)
            let shape = [random.int(1...2), random.int(5...9), random.int(5...9), random.int(1...4)]
            let multiplier = random.int(1...3)
            let w = random.tensor([kernel.0, kernel.1, shape[3], multiplier])
            let bias = random.bool() ? random.tensor([shape[3] * multiplier]).scalars : nil
            let x = random.tensor(shape)
            let op = DepthwiseConv2DOp(kernel: w, bias: bias, strides: strides, dilation: dilation, padding: padding)
            let expected = Naive.conv2D(
                x, kernel: fullKernel(ofDepthwise: w), bias: bias, strides: strides,
                dilation: dilation, padding: padding)
            let description = "x \(shape) kernel \(kernel) × \(multiplier) strides \(strides) dilation \(dilation) \(padding)"
            XCTAssertEqual(try op.outputShape(for: [shape]), expected.shape, description)
            assertClose(op.forward([x]), expected, tolerance: 1e-5, description)
            let dy = random.tensor(expected.shape)
            assertClose(
                op.inputGradients([x], output: expected, outputGradient: dy)[0],
                Naive.conv2DInputGradient(
                    dy, inputShape: shape, kernel: fullKernel(ofDepthwise: w), strides: strides,
                    dilation: dilation, padding: padding),
                tolerance: 1e-5, "gradient " + description)
        }
    }

    func testSeparableConv2DIsDepthwiseThenPointwise() {
        var random = SeededGenerator(seed: 6_100)
        let depthwise = random.tensor([3, 2, 3, 2])
        let pointwise = random.tensor([1, 1, 6, 5])
        let bias = random.tensor([5]).scalars
        let x = random.tensor([2, 6, 7, 3])
        let op = SeparableConv2DOp(
            depthwiseKernel: depthwise, pointwiseKernel: pointwise, bias: bias, strides: (2, 2),
            padding: .same)
        let middle = Naive.conv2D(
            x, kernel: fullKernel(ofDepthwise: depthwise), bias: nil, strides: (2, 2),
            dilation: (1, 1), padding: .same)
        let expected = Naive.conv2D(middle, kernel: pointwise, bias: bias, strides: (1, 1), dilation: (1, 1), padding: .valid)
        assertClose(op.forward([x]), expected, tolerance: 1e-5)
    }

    /// Keras's output length (conv_utils.deconv_output_length) and TensorFlow's crop, then a scatter
    /// into the uncropped buffer: the definition, not the op's gather.
    private func naiveTranspose(
        _ x: Tensor, kernel w: Tensor, bias: [Float], strides: (Int, Int), dilation: (Int, Int),
        padding: Padding, outputPadding: (Int, Int)?
    ) -> Tensor {
        let (batch, h, wd, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, filters) = (w.shape[0], w.shape[1], w.shape[2])
        func axis(_ n: Int, _ k: Int, _ s: Int, _ d: Int, _ op: Int?) -> (out: Int, crop: Int) {
            let ke = (k - 1) * d + 1
            let out: Int
            if let op {
                out = (n - 1) * s + ke - 2 * (padding == .same ? ke / 2 : 0) + op
            } else {
                out = padding == .same ? n * s : n * s + max(ke - s, 0)
            }
            return (out, padding == .same ? max((n - 1) * s + ke - out, 0) / 2 : 0)
        }
        let rows = axis(h, kh, strides.0, dilation.0, outputPadding?.0)
        let cols = axis(wd, kw, strides.1, dilation.1, outputPadding?.1)
        var out = [Double](repeating: 0, count: batch * rows.out * cols.out * filters)
        for n in 0..<batch {
            for i in 0..<h {
                for j in 0..<wd {
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let oy = i * strides.0 + ky * dilation.0 - rows.crop
                            let ox = j * strides.1 + kx * dilation.1 - cols.crop
                            guard oy >= 0, oy < rows.out, ox >= 0, ox < cols.out else { continue }
                            for f in 0..<filters {
                                for c in 0..<cin {
                                    out[((n * rows.out + oy) * cols.out + ox) * filters + f] +=
                                        Double(x.scalars[((n * h + i) * wd + j) * cin + c])
                                        * Double(w.scalars[((ky * kw + kx) * filters + f) * cin + c])
                                }
                            }
                        }
                    }
                }
            }
        }
        for index in out.indices { out[index] += Double(bias[index % filters]) }
        return Tensor(shape: [batch, rows.out, cols.out, filters], scalars: out.map(Float.init))
    }

    func testConv2DTransposeMatchesAScatter() throws {
        var random = SeededGenerator(seed: 6_200)
        for number in 0..<30 {
            let padding: Padding = random.bool() ? .same : .valid
            let kernel = (random.int(1...4), random.int(1...4))
            let strides = (random.int(1...3), random.int(1...3))
            let dilation = number % 4 == 0 ? (random.int(1...2), random.int(1...2)) : (1, 1)
            let outputPadding = number % 5 == 1 ? (random.int(0...strides.0 - 1), random.int(0...strides.1 - 1)) : nil
            let shape = [random.int(1...2), random.int(1...5), random.int(1...5), random.int(1...3)]
            let filters = random.int(1...4)
            let w = random.tensor([kernel.0, kernel.1, filters, shape[3]])
            let bias = random.tensor([filters]).scalars
            let x = random.tensor(shape)
            let op = Conv2DTransposeOp(
                kernel: w, bias: bias, strides: strides, dilation: dilation, padding: padding,
                outputPadding: outputPadding)
            let expected = naiveTranspose(
                x, kernel: w, bias: bias, strides: strides, dilation: dilation, padding: padding,
                outputPadding: outputPadding)
            let description =
                "x \(shape) kernel \(kernel) strides \(strides) dilation \(dilation) \(padding) output padding \(String(describing: outputPadding))"
            XCTAssertEqual(try op.outputShape(for: [shape]), expected.shape, description)
            assertClose(op.forward([x]), expected, tolerance: 1e-5, description)
        }
    }

    /// FORMATS.md §3: SAME output n·s, crop ⌊max(k − s, 0) / 2⌋ from the top-left.
    func testConv2DTransposeSameCropsTheTopLeft() {
        // One row of width 2, kernel 1×3 of ones, stride 2: buffer of width 5 holds [a, a, a+b, b, b];
        // SAME keeps 4 columns, cropping ⌊(3 − 2) / 2⌋ = 0 before, so [a, a, a+b, b].
        let op = Conv2DTransposeOp(kernel: Tensor(shape: [1, 3, 1, 1], repeating: 1), bias: nil, strides: (1, 2), padding: .same)
        XCTAssertEqual(op.forward([Tensor(shape: [1, 1, 2, 1], scalars: [1, 10])]).scalars, [1, 1, 11, 10])
        // Kernel 1×4, stride 2: buffer of width 6 [a, a, a+b, a+b, b, b], crop 1: [a, a+b, a+b, b].
        let wide = Conv2DTransposeOp(
            kernel: Tensor(shape: [1, 4, 1, 1], repeating: 1), bias: nil, strides: (1, 2), padding: .same)
        XCTAssertEqual(wide.forward([Tensor(shape: [1, 1, 2, 1], scalars: [1, 10])]).scalars, [1, 11, 11, 10])
    }

    // MARK: - Resizing

    /// tf.image.resize with half-pixel centres: 2 → 4 samples at −0.25, 0.25, 0.75, 1.25.
    func testResizeMatchesTensorFlowHalfPixelSampling() {
        let x = Tensor(shape: [1, 1, 2, 1], scalars: [0, 1])
        XCTAssertEqual(
            Resize2DOp(.scale(1, 2), interpolation: .bilinear, kind: "UpSampling2D").forward([x]).scalars,
            [0, 0.25, 0.75, 1])
        XCTAssertEqual(
            Resize2DOp(.scale(1, 2), interpolation: .nearest, kind: "UpSampling2D").forward([x]).scalars,
            [0, 0, 1, 1])
        // 4 → 3, scale 4/3: bilinear samples at 1/6, 3/2, 17/6; nearest reads ⌊(i + ½)·4/3⌋ = 0, 2, 3.
        let row = Tensor(shape: [1, 1, 4, 1], scalars: [0, 3, 6, 12])
        assertClose(
            Resize2DOp(.fixed(1, 3), interpolation: .bilinear, kind: "Resizing").forward([row]),
            Tensor(shape: [1, 1, 3, 1], scalars: [0.5, 4.5, 6 + 6 * 5 / 6]), tolerance: 1e-6)
        XCTAssertEqual(Resize2DOp(.fixed(1, 3), interpolation: .nearest, kind: "Resizing").forward([row]).scalars, [0, 6, 12])
    }

    func testUpSamplingNearestRepeatsPixels() {
        var random = SeededGenerator(seed: 6_300)
        let x = random.tensor([2, 3, 4, 2])
        let y = Resize2DOp(.scale(2, 3), interpolation: .nearest, kind: "UpSampling2D").forward([x])
        XCTAssertEqual(y.shape, [2, 6, 12, 2])
        for n in 0..<2 {
            for i in 0..<6 {
                for j in 0..<12 {
                    for c in 0..<2 {
                        XCTAssertEqual(
                            y.scalars[((n * 6 + i) * 12 + j) * 2 + c], x.scalars[((n * 3 + i / 2) * 4 + j / 3) * 2 + c])
                    }
                }
            }
        }
    }

    // MARK: - Normalisation

    func testBatchNormalizationFormula() {
        var random = SeededGenerator(seed: 6_400)
        let (mean, variance, gamma, beta) = (
            random.tensor([1, 1, 3]), random.tensor([1, 1, 3], 0.3, 2),
            random.tensor([1, 1, 3]), random.tensor([1, 1, 3])
        )
        let x = random.tensor([2, 2, 3, 3])
        let epsilon: Float = 0.01
        let y = AffineOp.batchNormalization(mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: epsilon).forward([
            x
        ])
        let expected = x.scalars.indices.map { i -> Float in
            let c = i % 3
            return (x.scalars[i] - mean.scalars[c]) / (variance.scalars[c] + epsilon).squareRoot() * gamma.scalars[c]
                + beta.scalars[c]
        }
        assertClose(y, Tensor(shape: x.shape, scalars: expected), tolerance: 1e-6)
        // Without gamma and beta, and with statistics along the rows (axis 1).
        let rowMean = random.tensor([2, 1, 1])
        let rowVariance = random.tensor([2, 1, 1], 0.3, 2)
        let plain = AffineOp.batchNormalization(mean: rowMean, variance: rowVariance, gamma: nil, beta: nil, epsilon: 0.1)
        let rows = x.scalars.indices.map { i -> Float in
            let r = (i / 9) % 2
            return (x.scalars[i] - rowMean.scalars[r]) / (rowVariance.scalars[r] + 0.1).squareRoot()
        }
        assertClose(plain.forward([x]), Tensor(shape: x.shape, scalars: rows), tolerance: 1e-6)
    }

    func testLayerNormMatchesPerGroupStatistics() {
        var random = SeededGenerator(seed: 6_500)
        let x = random.tensor([2, 3, 4, 2], -2, 2)
        // Axes [1, 3]: for each (n, w) the 6 values over (h, c).
        let gamma = random.tensor([6]).scalars
        let beta = random.tensor([6]).scalars
        let y = LayerNormOp(axes: [1, 3], gamma: gamma, beta: beta, epsilon: 1e-3).forward([x])
        for n in 0..<2 {
            for w in 0..<4 {
                let indices = (0..<3).flatMap { h in (0..<2).map { c in ((n * 3 + h) * 4 + w) * 2 + c } }
                let values = indices.map { Double(x.scalars[$0]) }
                let mean = values.reduce(0, +) / 6
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
                for (j, index) in indices.enumerated() {
                    let expected = (values[j] - mean) / (variance + 1e-3).squareRoot() * Double(gamma[j]) + Double(beta[j])
                    XCTAssertEqual(Double(y.scalars[index]), expected, accuracy: 1e-5)
                }
            }
        }
    }

    // MARK: - Pooling, merging, reshaping

    func testGlobalPoolingValuesAndTies() {
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 5, 4, 5, 4, -1, 2, 0])
        let average = GlobalPoolOp(.average, keepDims: true, kind: "GlobalAveragePooling2D")
        XCTAssertEqual(average.forward([x]), Tensor(shape: [1, 1, 1, 2], scalars: [2.75, 2.25]))
        let maximum = GlobalPoolOp(.max, keepDims: false, kind: "GlobalMaxPooling2D")
        let y = maximum.forward([x])
        XCTAssertEqual(y, Tensor(shape: [1, 2], scalars: [4, 5]))
        // Ties share the gradient equally, as TensorFlow's reduce_max does.
        let g = maximum.inputGradients([x], output: y, outputGradient: Tensor(shape: [1, 2], scalars: [6, 10]))
        XCTAssertEqual(g[0].scalars, [0, 5, 3, 5, 3, 0, 0, 0])
    }

    func testElementwiseMergesAndTheirTies() {
        let a = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let b = Tensor(shape: [1, 3], scalars: [2, 2, -1])
        let c = Tensor(shape: [1, 3], scalars: [0, 2, 3])
        XCTAssertEqual(ElementwiseMergeOp(.subtract).forward([a, b]).scalars, [-1, 0, 4])
        XCTAssertEqual(ElementwiseMergeOp(.multiply).forward([a, b, c]).scalars, [0, 8, -9])
        XCTAssertEqual(ElementwiseMergeOp(.average).forward([a, b, c]).scalars, [1, 2, 5.0 / 3])
        XCTAssertEqual(ElementwiseMergeOp(.minimum).forward([a, b, c]).scalars, [0, 2, -1])
        let maximum = ElementwiseMergeOp(.maximum)
        let y = maximum.forward([a, b, c])
        XCTAssertEqual(y.scalars, [2, 2, 3])
        // Ties (2, 2, 2 and 3, ·, 3) go to the earliest tied input, as tf.maximum folded from the left.
        let g = maximum.inputGradients([a, b, c], output: y, outputGradient: Tensor(shape: [1, 3], scalars: [1, 2, 3]))
        XCTAssertEqual(g.map(\.scalars), [[0, 2, 3], [1, 0, 0], [0, 0, 0]])
        XCTAssertThrowsError(try ElementwiseMergeOp(.subtract).outputShape(for: [[1, 3], [1, 3], [1, 3]]))
    }

    func testPermuteMovesAxes() throws {
        var random = SeededGenerator(seed: 6_600)
        let x = random.tensor([2, 3, 4, 5])
        let op = PermuteOp(dims: [3, 1, 2])
        XCTAssertEqual(try op.outputShape(for: [[-1, 3, 4, 5]]), [-1, 5, 3, 4])
        XCTAssertThrowsError(try op.outputShape(for: [[-1, 3, 4]]))
        let y = op.forward([x])
        for n in 0..<2 {
            for i in 0..<3 {
                for j in 0..<4 {
                    for k in 0..<5 {
                        XCTAssertEqual(y.scalars[((n * 5 + k) * 3 + i) * 4 + j], x.scalars[((n * 3 + i) * 4 + j) * 5 + k])
                    }
                }
            }
        }
    }

    /// Every permutation of ranks 1 to 4, against each output position's input position computed
    /// from its coordinates; sizes of 1 and 0 included.
    func testPermutedTakesEachValueFromItsCoordinates() throws {
        var random = SeededGenerator(seed: 6_650)
        func permutations(_ axes: [Int]) -> [[Int]] {
            axes.count <= 1
                ? [axes] : axes.flatMap { first in permutations(axes.filter { $0 != first }).map { [first] + $0 } }
        }
        for shape in [[7], [3, 5], [2, 1, 4], [4, 3, 2, 5], [3, 0, 2]] {
            let x = random.tensor(shape)
            for axes in permutations(Array(shape.indices)) {
                let y = x.permuted(axes)
                XCTAssertEqual(y.shape, axes.map { shape[$0] })
                for position in 0..<y.count {
                    var coordinates = [Int](repeating: 0, count: shape.count)
                    var rest = position
                    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                        coordinates[axes[axis]] = rest % y.shape[axis]
                        rest /= y.shape[axis]
                    }
                    let source = zip(coordinates, shape).reduce(0) { $0 * $1.1 + $1.0 }
                    XCTAssertEqual(y.scalars[position], x.scalars[source], "axes \(axes) of \(shape) at \(position)")
                }
            }
        }
    }

    func testPaddingAndCropping() throws {
        let x = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
        let padded = Pad2DOp(top: 1, bottom: 0, left: 0, right: 2).forward([x])
        XCTAssertEqual(padded, Tensor(shape: [1, 3, 4, 1], scalars: [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]))
        let cropped = Pad2DOp.cropping(top: 1, bottom: 0, left: 0, right: 2).forward([padded])
        XCTAssertEqual(cropped, x)
        XCTAssertThrowsError(try Pad2DOp.cropping(top: 1, bottom: 1, left: 0, right: 0).outputShape(for: [[1, 2, 2, 1]]))
    }

    func testSoftmaxOverAMiddleAxisSumsToOneAlongIt() throws {
        var random = SeededGenerator(seed: 6_700)
        let x = random.tensor([2, 3, 4, 2], -3, 3)
        XCTAssertThrowsError(try SoftmaxOp(axis: 0).outputShape(for: [[2, 3]]), "the batch axis")
        XCTAssertThrowsError(try SoftmaxOp(axis: 2).outputShape(for: [[2, 3]]))
        XCTAssertEqual(try SoftmaxOp(axis: -3).outputShape(for: [[2, 3, 4, 2]]), [2, 3, 4, 2])
        let y = SoftmaxOp(axis: 1).forward([x])
        for n in 0..<2 {
            for j in 0..<4 {
                for c in 0..<2 {
                    let line = (0..<3).map { ((n * 3 + $0) * 4 + j) * 2 + c }
                    let denominator = line.map { exp(Double(x.scalars[$0])) }.reduce(0, +)
                    for index in line {
                        XCTAssertEqual(Double(y.scalars[index]), exp(Double(x.scalars[index])) / denominator, accuracy: 1e-6)
                    }
                }
            }
        }
    }

    // MARK: - Activations

    /// Every activation at a few points, against its formula in Double.
    func testActivationValues() {
        let points: [Float] = [-4, -2.7, -1, -0.3, 0, 0.4, 1, 2.6, 5]
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func softplus(_ x: Double) -> Double { log(1 + exp(x)) }
        let formulas: [ActivationFunction: (Double) -> Double] = [
            .linear: { $0 }, .relu: { max($0, 0) }, .relu6: { min(max($0, 0), 6) }, .sigmoid: sigmoid, .tanh: tanh,
            .elu: { $0 > 0 ? $0 : exp($0) - 1 },
            .selu: { 1.0507009873554805 * ($0 > 0 ? $0 : 1.6732632423543772 * (exp($0) - 1)) },
            .softplus: softplus, .softsign: { $0 / (1 + abs($0)) }, .silu: { $0 * sigmoid($0) },
            .mish: { $0 * tanh(softplus($0)) }, .exponential: { exp($0) }, .leakyRelu: { $0 > 0 ? $0 : 0.2 * $0 },
            .gelu: { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) },
            .geluTanh: { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) },
            .hardSigmoidKeras2: { min(max(0.2 * $0 + 0.5, 0), 1) },
            .hardSigmoid: { min(max($0 + 3, 0), 6) / 6 }, .hardSilu: { $0 * min(max($0 + 3, 0), 6) / 6 },
            .celu: { $0 > 0 ? $0 : exp($0) - 1 }, .squareplus: { ($0 + ($0 * $0 + 4).squareRoot()) / 2 },
            .hardShrink: { abs($0) > 0.5 ? $0 : 0 }, .softShrink: { $0 > 0.5 ? $0 - 0.5 : $0 < -0.5 ? $0 + 0.5 : 0 },
            .hardTanh: { min(max($0, -1), 1) }, .tanhShrink: { $0 - tanh($0) }, .logSigmoid: { log(sigmoid($0)) },
            .sparsePlus: { $0 <= -1 ? 0 : $0 < 1 ? ($0 + 1) * ($0 + 1) / 4 : $0 },
            .sparseSigmoid: { $0 <= -1 ? 0 : $0 >= 1 ? 1 : 0.5 * ($0 + 1) },
        ]
        for function in ActivationFunction.allCases where function != .softmax && function != .logSoftmax {
            guard let formula = formulas[function] else {
                XCTFail("no formula for \(function)")
                continue
            }
            let y = ActivationOp(function).forward([Tensor(shape: [1, points.count], scalars: points)])
            for (x, value) in zip(points, y.scalars) {
                XCTAssertEqual(
                    Double(value), formula(Double(x)), accuracy: 1e-5 * max(1, abs(formula(Double(x)))), "\(function)(\(x))")
            }
        }
        let logits = Tensor(shape: [1, 3], scalars: [1, 2, 4])
        let total = log(exp(1.0) + exp(2.0) + exp(4.0))
        assertClose(
            ActivationOp(.logSoftmax).forward([logits]),
            Tensor(shape: [1, 3], scalars: [1, 2, 4].map { Float($0 - total) }), tolerance: 1e-6)
    }

    /// TensorFlow's gradients at the kinks (FORMATS.md §3).
    func testActivationGradientsAtKinks() {
        func derivative(_ function: ActivationFunction, at points: [Float]) -> [Float] {
            let op = ActivationOp(function)
            let x = Tensor(shape: [1, points.count], scalars: points)
            return op.inputGradients([x], output: op.forward([x]), outputGradient: Tensor(shape: x.shape, repeating: 1))[0]
                .scalars
        }
        XCTAssertEqual(derivative(.relu6, at: [0, 6, 3]), [0, 0, 1])
        XCTAssertEqual(derivative(.leakyRelu, at: [0, -1, 1]), [0.2, 0.2, 1])
        XCTAssertEqual(derivative(.elu, at: [0]), [1])
        XCTAssertEqual(derivative(.selu, at: [0]), [1.0507009873554805])
        XCTAssertEqual(derivative(.hardSigmoidKeras2, at: [-2.5, 2.5, 2.6]), [0.2, 0.2, 0])
        XCTAssertEqual(derivative(.hardSigmoid, at: [-3, 3, 0]), [0, 0, 1.0 / 6])
        XCTAssertEqual(derivative(.celu, at: [0]), [2])
        XCTAssertEqual(derivative(.hardTanh, at: [-1, 1, 1.5]), [1, 1, 0])
        XCTAssertEqual(derivative(.hardShrink, at: [0.5, -0.6]), [0, 1])
    }

    func testHardSigmoidFormFollowsTheKerasVersion() {
        XCTAssertEqual(
            ActivationFunction(kerasName: "hard_sigmoid", hardSigmoid: .init(kerasVersion: "2.15.0")), .hardSigmoidKeras2)
        XCTAssertEqual(
            ActivationFunction(kerasName: "hard_sigmoid", hardSigmoid: .init(kerasVersion: "2.2.4-tf")), .hardSigmoidKeras2)
        XCTAssertEqual(ActivationFunction(kerasName: "hard_sigmoid", hardSigmoid: .init(kerasVersion: "3.15.1")), .hardSigmoid)
        XCTAssertEqual(ActivationFunction(kerasName: "swish", hardSigmoid: .keras3), .silu)
        XCTAssertEqual(ActivationFunction(kerasName: "hard_swish", hardSigmoid: .keras3), .hardSilu)
        XCTAssertNil(ActivationFunction(kerasName: "hard_sigmoid_keras2", hardSigmoid: .keras2))
    }

    func testReLULayerValues() {
        let x = Tensor(shape: [1, 6], scalars: [-2, 0, 0.2, 0.5, 3, 8])
        assertAll(
            ReLUOp(maxValue: 2.5, negativeSlope: 0.1, threshold: 0.3).forward([x]).scalars,
            [-0.23, -0.03, -0.01, 0.5, 2.5, 2.5].map { Float($0) }, accuracy: 1e-6)
        XCTAssertEqual(ReLUOp(threshold: 0.2, kind: "ThresholdedReLU").forward([x]).scalars, [0, 0, 0, 0.5, 3, 8])
        assertAll(
            ReLUOp(negativeSlope: 0.3, kind: "LeakyReLU").forward([x]).scalars, [-0.6, 0, 0.2, 0.5, 3, 8].map { Float($0) },
            accuracy: 1e-6)
        XCTAssertEqual(ELUOp(alpha: 0.5).forward([x]).scalars[0], 0.5 * (exp(-2) - 1), accuracy: 1e-6)
        let prelu = PReLUOp(alpha: Tensor(shape: [1, 2], scalars: [0.1, 0.5]))
        XCTAssertEqual(prelu.forward([Tensor(shape: [2, 1, 2], scalars: [-1, -1, 2, -4])]).scalars, [-0.1, -0.5, 2, -2])
    }
}

/// Elementwise `XCTAssertEqual(_:_:accuracy:)` over two lists of the same length.
private func assertAll(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
