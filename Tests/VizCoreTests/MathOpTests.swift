import Foundation
import VizCore
import VizTesting
import XCTest

/// The elementwise functions, quotients, log-softmax, reductions and matrix products exported graphs
/// compute on activations (ONNX `Sqrt`, `Log`, `Abs`, `Reciprocal`, `Erf`, `Pow`, `Div`,
/// `LogSoftmax`, `ReduceMean`/`Sum`/`Max`/`Min`, `ArgMax`/`ArgMin`, `MatMul`).
final class MathOpTests: XCTestCase {
    private func assertValues(
        _ function: MathFunctionOp.Function, _ x: [Float], _ expected: [Float], line: UInt = #line
    ) {
        let y = MathFunctionOp(function).forward([Tensor(shape: [1, x.count], scalars: x)])
        assertClose(y, Tensor(shape: [1, x.count], scalars: expected), tolerance: 1e-6, "\(function)", line: line)
    }

    func testMathFunctionValues() {
        assertValues(.sqrt, [0.25, 4, 9], [0.5, 2, 3])
        assertValues(.log, [1, 0.5], [0, -0.6931472])
        assertValues(.abs, [-2, 0, 0.25], [2, 0, 0.25])
        assertValues(.reciprocal, [2, -4], [0.5, -0.25])
        assertValues(.erf, [0, 1, -1, 0.5], [0, 0.8427008, -0.8427008, 0.5204999])
        assertValues(.power(3), [2, -1, 0.5], [8, -1, 0.125])
        assertValues(.power(0.5), [4, 0.25], [2, 0.5])
        assertValues(.power(-2), [2], [0.25])
        XCTAssertEqual(MathFunctionOp(.power(2)).kind, "Pow")
    }

    func testMathFunctionGradients() {
        var random = SeededGenerator(seed: 15_101)
        let positive = random.tensor([2, 3, 4, 2], 0.3, 3)
        for function in [MathFunctionOp.Function.sqrt, .log, .reciprocal, .power(1.7), .power(-0.5)] {
            checkGradients(MathFunctionOp(function), [positive], epsilon: 1e-3, "\(function)")
        }
        let signed = random.tensorAvoidingZero([2, 3, 4, 2], minimum: 0.05, maximum: 2)
        for function in [MathFunctionOp.Function.abs, .erf, .power(3), .power(2)] {
            checkGradients(MathFunctionOp(function), [signed], epsilon: 1e-3, "\(function)")
        }
    }

    /// A power of exponent 0 is 1 everywhere, so its gradient is 0, also at 0 (PyTorch's).
    func testZeroPowerAndAbsoluteValueGradientsAtZero() {
        let x = Tensor(shape: [1, 2], scalars: [0, 2])
        let ones = Tensor(shape: [1, 2], repeating: 1)
        for function in [MathFunctionOp.Function.power(0), .abs] {
            let op = MathFunctionOp(function)
            XCTAssertEqual(op.inputGradients([x], output: op.forward([x]), outputGradient: ones)[0].scalars[0], 0)
        }
    }

    func testDivideBroadcastsAndDifferentiatesBothInputs() throws {
        let divide = ElementwiseMergeOp(.divide)
        XCTAssertEqual(try divide.outputShape(for: [[2, 4, 5, 3], [2, 1, 1, 3]]), [2, 4, 5, 3])
        XCTAssertThrowsError(try divide.outputShape(for: [[2, 3], [2, 3], [2, 3]]))
        let quotient = divide.forward([
            Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4]), Tensor(shape: [1, 1, 2], scalars: [2, -4]),
        ])
        XCTAssertEqual(quotient.scalars, [0.5, -0.5, 1.5, -1])
        var random = SeededGenerator(seed: 15_102)
        checkGradients(
            divide, [random.tensor([2, 4, 5, 3]), random.tensorAvoidingZero([2, 1, 1, 3], minimum: 0.5)], epsilon: 1e-3)
        checkGradients(divide, [random.tensor([2, 3, 2]), random.tensorAvoidingZero([2, 3, 2], minimum: 0.5)], epsilon: 1e-3)
    }

    /// log-softmax along a middle axis is the logarithm of softmax along it.
    func testLogSoftmaxAlongAnyAxis() {
        var random = SeededGenerator(seed: 15_103)
        let x = random.tensor([2, 3, 4, 5], -3, 3)
        for axis in [1, 2, -1] {
            let log = SoftmaxOp(axis: axis, log: true)
            XCTAssertEqual(log.kind, "LogSoftmax")
            let softmax = SoftmaxOp(axis: axis).forward([x])
            assertClose(
                log.forward([x]), Tensor(shape: x.shape, scalars: softmax.scalars.map { Foundation.log($0) }), tolerance: 1e-5)
            checkGradients(log, [x], epsilon: 1e-3, "axis \(axis)")
        }
    }

    /// The product of every pair of matrices, one side broadcast along an axis of size 1, against
    /// sums written out.
    func testMatMulOfTwoValuesBroadcastsLeadingAxes() throws {
        var random = SeededGenerator(seed: 15_104)
        let (a, b) = (random.tensor([2, 3, 4, 5]), random.tensor([2, 1, 5, 2]))
        let op = MatMulOp()
        XCTAssertEqual(try op.outputShape(for: [a.shape, b.shape]), [2, 3, 4, 2])
        XCTAssertThrowsError(try op.outputShape(for: [[2, 4, 5], [2, 4, 5]]))
        XCTAssertThrowsError(try op.outputShape(for: [[2, 4], [2, 4]]))
        let product = op.forward([a, b])
        var expected = Tensor(zeros: [2, 3, 4, 2])
        for n in 0..<2 {
            for h in 0..<3 {
                for i in 0..<4 {
                    for j in 0..<2 {
                        var sum: Float = 0
                        for k in 0..<5 { sum += a.scalars[((n * 3 + h) * 4 + i) * 5 + k] * b.scalars[(n * 5 + k) * 2 + j] }
                        expected.scalars[((n * 3 + h) * 4 + i) * 2 + j] = sum
                    }
                }
            }
        }
        assertClose(product, expected, tolerance: 1e-5)
        checkGradients(op, [a, b], epsilon: 1e-3)
        checkGradients(op, [random.tensor([1, 1, 3, 4]), random.tensor([1, 2, 4, 3])], epsilon: 1e-3, "left broadcast")
    }

    func testReductionsOverAnyAxes() throws {
        // Two items of 2 × 3: [[1, 5, 2], [4, 0, 6]] and [[−1, −2, −3], [3, 2, 1]].
        let x = Tensor(shape: [2, 2, 3], scalars: [1, 5, 2, 4, 0, 6, -1, -2, -3, 3, 2, 1])
        func reduced(_ reduction: ReduceOp.Reduction, _ axes: Set<Int>, keepDims: Bool = false) throws -> Tensor {
            let op = ReduceOp(reduction, axes: axes, keepDims: keepDims, kind: "Reduce")
            let y = op.forward([x])
            XCTAssertEqual(y.shape, try op.outputShape(for: [x.shape]))
            return y
        }
        XCTAssertEqual(try reduced(.sum, [2]).scalars, [8, 10, -6, 6])
        XCTAssertEqual(try reduced(.mean, [1], keepDims: true).shape, [2, 1, 3])
        XCTAssertEqual(try reduced(.mean, [1]).scalars, [2.5, 2.5, 4, 1, 0, -1])
        XCTAssertEqual(try reduced(.max, [1, 2]).scalars, [6, 3])
        XCTAssertEqual(try reduced(.min, [1]).scalars, [1, 0, 2, -1, -2, -3])
        XCTAssertThrowsError(try ReduceOp(.sum, axes: [0], keepDims: true, kind: "ReduceSum").outputShape(for: [x.shape]))
        XCTAssertThrowsError(try ReduceOp(.sum, axes: [3], keepDims: true, kind: "ReduceSum").outputShape(for: [x.shape]))
    }

    /// ArgMax and ArgMin (ONNX): the index along one axis as a float, the first of tied values or
    /// the last (`select_last_index`); no gradient, and a zero one, as finite differences away
    /// from ties find.
    func testIndicesOfTheLargestAndSmallestValues() throws {
        // Two items of 2 × 3: [[1, 5, 5], [4, 0, 6]] and [[−1, −2, −2], [3, 3, 1]].
        let x = Tensor(shape: [2, 2, 3], scalars: [1, 5, 5, 4, 0, 6, -1, -2, -2, 3, 3, 1])
        func indices(_ extremum: ArgExtremumOp.Extremum, axis: Int, keepDims: Bool = false, last: Bool = false) throws -> Tensor {
            let op = ArgExtremumOp(extremum, axis: axis, keepDims: keepDims, lastOnTies: last, kind: "Arg")
            let y = op.forward([x])
            XCTAssertEqual(y.shape, try op.outputShape(for: [x.shape]))
            return y
        }
        XCTAssertEqual(try indices(.max, axis: 2).scalars, [1, 2, 0, 0])
        XCTAssertEqual(try indices(.max, axis: 2, last: true).scalars, [2, 2, 0, 1])
        XCTAssertEqual(try indices(.min, axis: 2).scalars, [0, 1, 1, 2])
        XCTAssertEqual(try indices(.min, axis: 2, last: true).scalars, [0, 1, 2, 2])
        XCTAssertEqual(try indices(.max, axis: 1).scalars, [1, 0, 1, 1, 1, 1])
        XCTAssertEqual(try indices(.max, axis: 1, keepDims: true).shape, [2, 1, 3])
        for axis in [0, 3] {
            XCTAssertThrowsError(
                try ArgExtremumOp(.max, axis: axis, keepDims: true, lastOnTies: false, kind: "ArgMax").outputShape(for: [x.shape])
            )
        }
        // Finite differences: a nudge smaller than the gap between values moves no index, so every
        // loss's central difference is zero, as the input gradient is.
        var random = SeededGenerator(seed: 15_107)
        let distinct = random.distinctTensor([2, 3, 4, 5])
        let op = ArgExtremumOp(.max, axis: 3, keepDims: true, lastOnTies: false, kind: "ArgMax")
        XCTAssertFalse(op.hasGradient)
        let unmoved = op.forward([distinct])
        for index in distinct.scalars.indices {
            for step: Float in [-0.01, 0.01] {
                var nudged = distinct
                nudged.scalars[index] += step
                XCTAssertEqual(op.forward([nudged]).scalars, unmoved.scalars, "input \(index) nudged by \(step)")
            }
        }
        let ones = Tensor(shape: unmoved.shape, scalars: [Float](repeating: 1, count: unmoved.count))
        let gradient = op.inputGradients([distinct], output: unmoved, outputGradient: ones)[0]
        XCTAssertEqual(gradient.shape, distinct.shape)
        XCTAssertTrue(gradient.scalars.allSatisfy { $0 == 0 })
    }

    func testReductionGradients() {
        var random = SeededGenerator(seed: 15_105)
        let x = random.distinctTensor([2, 3, 4, 5])
        for reduction in [ReduceOp.Reduction.mean, .sum, .max, .min] {
            for (axes, keepDims) in [([3], true), ([1, 3], false), ([1, 2, 3], true)] as [(Set<Int>, Bool)] {
                checkGradients(
                    ReduceOp(reduction, axes: axes, keepDims: keepDims, kind: "Reduce"), [x], "\(reduction) over \(axes)")
            }
        }
        // A tie shares the gradient.
        let tied = Tensor(shape: [1, 3], scalars: [2, 2, 1])
        let max = ReduceOp(.max, axes: [1], keepDims: false, kind: "ReduceMax")
        XCTAssertEqual(
            max.inputGradients([tied], output: max.forward([tied]), outputGradient: Tensor(shape: [1], scalars: [1]))[0].scalars,
            [0.5, 0.5, 0])
    }
}
