import VizTesting
import XCTest

@testable import VizCore

/// Conv2D's oneDNN convolution primitives (the fast path) against the im2col + matrix-product reference.
final class ConvBackendTests: XCTestCase {
    private struct Case: CustomStringConvertible {
        var batch, height, width, inChannels, filters: Int
        var kernel, strides, dilation: (Int, Int)
        var padding: Padding
        var bias: Bool

        var description: String {
            "x=(\(batch),\(height),\(width),\(inChannels)) filters=\(filters) kernel=\(kernel) strides=\(strides) "
                + "dilation=\(dilation) padding=\(padding) bias=\(bias)"
        }
    }

    /// Every combination of padding, strides, dilation, kernel and batch, with channel counts that are
    /// not multiples of 8 or 16 and odd sizes, so SAME padding is asymmetric and strides leave rows over.
    private func cases() -> [Case] {
        var random = SeededGenerator(seed: 11)
        var cases: [Case] = []
        for padding in [Padding.valid, .same] {
            for strides in [(1, 1), (2, 2), (2, 3)] {
                for dilation in [(1, 1), (2, 2)] {
                    for kernel in [(1, 1), (3, 3), (5, 5), (2, 2), (4, 3)] {
                        for batch in [1, 3] {
                            let odd = { (range: ClosedRange<Int>) in random.int(range) | 1 }
                            cases.append(
                                Case(
                                    batch: batch, height: odd(9...15), width: odd(9...17),
                                    inChannels: [1, 3, 5, 7, 12, 13, 19][random.int(0...6)],
                                    filters: [1, 2, 5, 9, 17, 24, 33][random.int(0...6)],
                                    kernel: kernel, strides: strides, dilation: dilation,
                                    padding: padding, bias: random.bool()))
                        }
                    }
                }
            }
        }
        // Layers the size of real networks' first blocks, and a wide pointwise one.
        cases.append(
            Case(
                batch: 2, height: 37, width: 37, inChannels: 3, filters: 64, kernel: (3, 3), strides: (1, 1),
                dilation: (1, 1), padding: .same, bias: true))
        cases.append(
            Case(
                batch: 1, height: 31, width: 29, inChannels: 64, filters: 96, kernel: (3, 3), strides: (2, 2),
                dilation: (1, 1), padding: .valid, bias: true))
        cases.append(
            Case(
                batch: 3, height: 15, width: 15, inChannels: 130, filters: 70, kernel: (1, 1),
                strides: (1, 1), dilation: (1, 1), padding: .valid, bias: false))
        cases.append(
            Case(
                batch: 1, height: 24, width: 20, inChannels: 32, filters: 48, kernel: (7, 7), strides: (2, 2),
                dilation: (1, 1), padding: .same, bias: true))
        return cases
    }

    private func make(_ c: Case, _ random: inout SeededGenerator) -> (op: Conv2DOp, x: Tensor) {
        let kernel = random.tensor([c.kernel.0, c.kernel.1, c.inChannels, c.filters])
        let bias = c.bias ? random.tensor([c.filters]).scalars : nil
        let op = Conv2DOp(kernel: kernel, bias: bias, strides: c.strides, dilation: c.dilation, padding: c.padding)
        return (op, random.tensor([c.batch, c.height, c.width, c.inChannels]))
    }

    /// Checks `op`'s forward pass on `x`, and its input gradient for a random output gradient,
    /// against its reference path; returns the reference output.
    @discardableResult
    private func assertMatchesTheReference(
        _ op: some ReferencePath, _ x: Tensor, _ random: inout SeededGenerator, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) -> Tensor {
        let expected = op.forwardReference([x])
        let y = op.forward([x])
        assertClose(y, expected, tolerance: 1e-5, "forward, \(label)", file: file, line: line)
        let dy = random.tensor(expected.shape)
        assertClose(
            op.inputGradients([x], output: y, outputGradient: dy)[0],
            op.inputGradientsReference([x], output: y, outputGradient: dy)[0], tolerance: 1e-5,
            "input gradient, \(label)", file: file, line: line)
        return expected
    }

    func testPrimitivesMatchTheReference() throws {
        var random = SeededGenerator(seed: 5)
        for c in cases() {
            let (op, x) = make(c, &random)
            let backend = try XCTUnwrap(op.backend(for: x.shape), "no oneDNN geometry for \(c)")
            assertMatchesTheReference(op, x, &random, "\(c)")

            // Both passes really ran as primitives, not through the fallback.
            let names = backend.implementations
            XCTAssertNotNil(names.forward, "forward fell back for \(c)")
            XCTAssertNotNil(names.backward, "backward data fell back for \(c)")
        }
    }

    /// A pass whose scratchpad would be over the budget runs a slice of the batch at a time: the
    /// plain and the fused forward pass and backward data all give the reference's results.
    func testBatchesOverTheScratchpadBudgetRunInSlices() throws {
        var random = SeededGenerator(seed: 17)
        // A 3×3, stride-1 convolution onto 56×56: Winograd's shape, whose scratchpad grows with the batch.
        for inChannels in [3, 16] {
            let c = Case(
                batch: 4, height: 56, width: 56, inChannels: inChannels, filters: 16, kernel: (3, 3), strides: (1, 1),
                dilation: (1, 1), padding: .same, bias: true)
            let (op, x) = make(c, &random)
            let backend = try XCTUnwrap(op.backend(for: x.shape))
            backend.scratchpadBudget = 0
            let expected = assertMatchesTheReference(op, x, &random, "\(c)")
            let residual = random.tensor(expected.shape)
            var taken: Tensor? = residual
            let fused = try XCTUnwrap(
                op.forwardFused([x], epilogue: ConvolutionEpilogue(addsResidual: true, rectifies: true), residual: &taken))
            let expectedFused = zip(expected.scalars, residual.scalars).map { max(0, $0 + $1) }
            assertClose(
                fused.standardized(), Tensor(shape: expected.shape, scalars: expectedFused), tolerance: 1e-5, "fused \(c)")

            let images = backend.imagesPerExecution
            XCTAssertEqual(images.forward, 1, "\(c)")
            XCTAssertEqual(images.backward, 1, "\(c)")
        }
    }

    func testRepeatedCallsReuseThePrimitivesAndGiveTheSameResult() {
        var random = SeededGenerator(seed: 8)
        let c = Case(
            batch: 2, height: 11, width: 9, inChannels: 6, filters: 10, kernel: (3, 3), strides: (2, 2),
            dilation: (1, 1), padding: .same, bias: true)
        let (op, x) = make(c, &random)
        let first = op.forward([x])
        let backend = op.backend(for: x.shape)
        XCTAssertEqual(op.forward([x]), first)
        XCTAssertTrue(op.backend(for: x.shape) === backend)
        // Another input size gets its own primitives, and the first ones still work.
        let other = random.tensor([1, 7, 13, 6])
        assertClose(op.forward([other]), op.forwardReference([other]), tolerance: 1e-5)
        XCTAssertFalse(op.backend(for: other.shape) === backend)
        XCTAssertEqual(op.forward([x]), first)
    }

    func testThreadCountKeepsResults() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var random = SeededGenerator(seed: 3)
        let c = Case(
            batch: 3, height: 19, width: 17, inChannels: 13, filters: 20, kernel: (3, 3), strides: (1, 1),
            dilation: (1, 1), padding: .same, bias: false)
        let (op, x) = make(c, &random)
        let dy = random.tensor([3, 19, 17, 20])
        var results: [(Tensor, Tensor)] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let y = op.forward([x])
            results.append((y, op.inputGradients([x], output: y, outputGradient: dy)[0]))
        }
        assertClose(results[1].0, results[0].0, tolerance: 1e-5)
        assertClose(results[1].1, results[0].1, tolerance: 1e-5)
    }

    func testEmptyBatchTakesTheReferencePath() {
        var random = SeededGenerator(seed: 1)
        let op = Conv2DOp(kernel: random.tensor([3, 3, 2, 4]), bias: [1, 2, 3, 4], padding: .same)
        let x = Tensor(zeros: [0, 5, 5, 2])
        XCTAssertNil(op.backend(for: x.shape))
        let y = op.forward([x])
        XCTAssertEqual(y.shape, [0, 5, 5, 4])
        XCTAssertEqual(op.inputGradients([x], output: y, outputGradient: y)[0].shape, [0, 5, 5, 2])
    }

    /// Depthwise convolutions as grouped primitives, from standard and channel-blocked inputs.
    func testDepthwisePrimitivesMatchTheReference() throws {
        var random = SeededGenerator(seed: 13)
        for padding in [Padding.valid, .same] {
            for (strides, dilation) in [((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 2), (1, 1)), ((1, 1), (2, 2))] {
                for (channels, multiplier) in [(8, 1), (16, 2), (5, 1), (3, 3), (32, 1)] {
                    let label = "padding \(padding) strides \(strides) dilation \(dilation) channels \(channels)×\(multiplier)"
                    let op = DepthwiseConv2DOp(
                        kernel: random.tensor([3, 3, channels, multiplier]),
                        bias: random.bool() ? random.tensor([channels * multiplier]).scalars : nil,
                        strides: strides, dilation: dilation, padding: padding)
                    let x = random.tensor([2, 11, 9, channels])
                    let expected = op.forwardReference([x])
                    let dy = random.tensor(expected.shape)
                    let expectedDx = op.inputGradientsReference([x], output: expected, outputGradient: dy)[0]
                    let inputs = channels % 8 == 0 ? [x, x.relaidOut(.channelBlocks(8))] : [x]
                    for input in inputs {
                        let y = op.forwardKeepingLayout([input])
                        assertClose(y, expected, tolerance: 1e-5, "forward, \(label), \(input.layout)")
                        let dx = op.inputGradientsKeepingLayout([input], output: y, outputGradient: dy.relaidOut(y.layout))[0]
                        assertClose(dx, expectedDx, tolerance: 1e-5, "input gradient, \(label), \(input.layout)")
                    }
                    let names = try XCTUnwrap(op.backends.backend(for: x.shape), label).implementations
                    XCTAssertNotNil(names.forward, "forward fell back, \(label)")
                    XCTAssertNotNil(names.backward, "backward data fell back, \(label)")
                }
            }
        }
    }

    /// Transposed convolutions as the primitives of the convolution they transpose, over Keras's
    /// paddings, output paddings, strides and dilations.
    func testTransposePrimitivesMatchTheReference() throws {
        var random = SeededGenerator(seed: 17)
        var primitiveRuns = 0
        for number in 0..<48 {
            let padding: Padding = number % 2 == 0 ? .same : .valid
            let kernel = [(3, 3), (2, 2), (4, 4), (1, 1), (3, 2), (5, 5)][number % 6]
            let strides = [(1, 1), (2, 2), (3, 2), (2, 1)][(number / 6) % 4]
            let dilation = number % 8 == 3 && strides == (1, 1) ? (2, 2) : (1, 1)
            let outputPadding = number % 3 == 1 ? (random.int(0...strides.0 - 1), random.int(0...strides.1 - 1)) : nil
            let (inChannels, filters) = ([1, 3, 8, 16, 13][random.int(0...4)], [1, 4, 8, 24][random.int(0...3)])
            let op = Conv2DTransposeOp(
                kernel: random.tensor([kernel.0, kernel.1, filters, inChannels]),
                bias: random.bool() ? random.tensor([filters]).scalars : nil, strides: strides,
                dilation: dilation, padding: padding, outputPadding: outputPadding)
            let x = random.tensor([random.int(1...3), random.int(3...9), random.int(3...9), inChannels])
            let label =
                "x \(x.shape) kernel \(kernel) filters \(filters) strides \(strides) dilation \(dilation) "
                + "\(padding) output padding \(String(describing: outputPadding))"
            assertMatchesTheReference(op, x, &random, label)
            if let names = op.backend(for: x.shape)?.implementations, names.forward != nil, names.backward != nil {
                primitiveRuns += 1
            }
        }
        // Output paddings a convolution cannot express fall back; every other case runs as primitives.
        XCTAssertGreaterThanOrEqual(primitiveRuns, 40)
    }
}

/// The ops whose primitives are checked against a plain-Swift reference path.
private protocol ReferencePath: Op {
    func forwardReference(_ inputs: [Tensor]) -> Tensor
    func inputGradientsReference(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor]
}

extension Conv2DOp: ReferencePath {}
extension Conv2DTransposeOp: ReferencePath {}
