import VizCore
import VizTesting
import XCTest

/// Finite-difference checks of every op's vector-Jacobian product (DESIGN.md: "Every op's input
/// gradient passes a finite-difference check").
final class OpGradientTests: XCTestCase {
    // MARK: - The checker itself

    func testSeededGeneratorMatchesTheReferenceSequence() {
        // First outputs of Vigna's splitmix64.c seeded with 0.
        var random = SeededGenerator(seed: 0)
        XCTAssertEqual(random.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(random.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    /// An op whose gradient is tampered with after the real op computes it.
    final class TamperedOp: Op {
        let base: Op
        let tamper: ([Tensor]) -> [Tensor]
        init(_ base: Op, tamper: @escaping ([Tensor]) -> [Tensor]) {
            self.base = base
            self.tamper = tamper
        }
        var kind: String { "Tampered" + base.kind }
        func outputShape(for inputShapes: [[Int]]) throws -> [Int] { try base.outputShape(for: inputShapes) }
        func forward(_ inputs: [Tensor]) -> Tensor { base.forward(inputs) }
        func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
            tamper(base.inputGradients(inputs, output: output, outputGradient: outputGradient))
        }
    }

    /// The checker must be tight enough to see a small error in a single element, or a wrong sign in
    /// one term, and must pass the untampered op: otherwise every other test here proves nothing.
    func testCheckerRejectsSlightlyWrongGradients() {
        var random = SeededGenerator(seed: 11)
        let conv = Conv2DOp(kernel: random.tensor([3, 3, 2, 3]), bias: random.tensor([3]).scalars, padding: .same)
        let x = random.tensor([1, 5, 6, 2])
        let honest = gradientDiscrepancy(conv, [x])
        XCTAssertLessThan(honest.relative, 2e-3, honest.summary)

        // Negate the largest-magnitude element of the gradient.
        let negated = TamperedOp(conv) { gradients in
            var g = gradients[0]
            let index = g.scalars.indices.max { abs(g.scalars[$0]) < abs(g.scalars[$1]) }!
            g.scalars[index] = -g.scalars[index]
            return [g]
        }
        XCTAssertGreaterThan(gradientDiscrepancy(negated, [x]).relative, 2e-3)

        // Off by 1 % of the largest element, in one element only.
        let nudged = TamperedOp(conv) { gradients in
            var g = gradients[0]
            g.scalars[17] += 0.01 * g.maxAbs
            return [g]
        }
        XCTAssertGreaterThan(gradientDiscrepancy(nudged, [x]).relative, 2e-3)

        // The right values in the wrong places (a transposed spatial layout).
        let shifted = TamperedOp(conv) { gradients in
            var g = gradients[0]
            g.scalars = Array(g.scalars.dropFirst(2) + g.scalars.prefix(2))
            return [g]
        }
        XCTAssertGreaterThan(gradientDiscrepancy(shifted, [x]).relative, 2e-3)

        // A wrong shape is reported, not compared.
        let reshaped = TamperedOp(conv) { [$0[0].reshaped([1, 6, 5, 2])] }
        XCTAssertFalse(gradientDiscrepancy(reshaped, [x]).problems.isEmpty)
    }

    /// An op that says its gradient reads less than it does.
    final class MisdeclaredOp: Op {
        let base: Op
        let gradientReads: GradientReads
        init(_ base: Op, reads: GradientReads) {
            self.base = base
            gradientReads = reads
        }
        var kind: String { "Misdeclared" + base.kind }
        func outputShape(for inputShapes: [[Int]]) throws -> [Int] { try base.outputShape(for: inputShapes) }
        func forward(_ inputs: [Tensor]) -> Tensor { base.forward(inputs) }
        func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
            base.inputGradients(inputs, output: output, outputGradient: outputGradient)
        }
    }

    /// A trace keeps only what an op's `gradientReads` names, so a gradient reading anything else
    /// must fail its check: ELU reads its input, ReLU its output, sigmoid its output and tanh both.
    func testCheckerRejectsAGradientThatReadsWhatItsOpDoesNotDeclare() {
        var random = SeededGenerator(seed: 12)
        let x = random.tensorAvoidingZero([2, 3, 4])
        let cases: [(Op, wrong: GradientReads)] = [
            (ELUOp(alpha: 1), .output), (ActivationOp(.relu), .inputs(0)), (ActivationOp(.sigmoid), .inputs(0)),
            (ActivationOp(.relu), .nothing),
        ]
        for (op, wrong) in cases {
            let honest = gradientDiscrepancy(op, [x])
            XCTAssertLessThan(honest.relative, 2e-3, "\(op.kind): \(honest.summary)")
            let misdeclared = gradientDiscrepancy(MisdeclaredOp(op, reads: wrong), [x])
            XCTAssertFalse(misdeclared.relative <= 2e-3, "\(op.kind) declared \(wrong): \(misdeclared.summary)")
        }
    }

    // MARK: - Conv2D

    struct ConvCase {
        var input: [Int]
        var kernel: (Int, Int)
        var filters: Int
        var strides = (1, 1)
        var dilation = (1, 1)
        var padding: Padding
        var bias = true
    }

    func testConv2DGradients() {
        let cases: [ConvCase] = [
            ConvCase(input: [1, 6, 7, 3], kernel: (3, 3), filters: 4, padding: .valid),
            ConvCase(input: [1, 6, 7, 3], kernel: (3, 3), filters: 4, padding: .same, bias: false),
            // Even kernels with stride 1: SAME pads 1 before, 2 after (width) and 0 before, 1 after (height).
            ConvCase(input: [1, 5, 7, 2], kernel: (2, 4), filters: 3, padding: .same),
            // Stride 2 on an even size: SAME pads 0 before, 1 after.
            ConvCase(input: [1, 8, 6, 2], kernel: (3, 3), filters: 5, strides: (2, 2), padding: .same),
            ConvCase(input: [1, 7, 9, 2], kernel: (3, 3), filters: 5, strides: (2, 2), padding: .valid, bias: false),
            ConvCase(input: [1, 7, 8, 2], kernel: (3, 2), filters: 3, strides: (2, 3), padding: .same),
            ConvCase(input: [1, 7, 7, 2], kernel: (3, 3), filters: 3, dilation: (2, 2), padding: .same),
            ConvCase(input: [1, 8, 7, 2], kernel: (3, 2), filters: 3, dilation: (2, 2), padding: .valid, bias: false),
            ConvCase(input: [1, 9, 8, 1], kernel: (3, 3), filters: 2, strides: (2, 2), dilation: (2, 1), padding: .same),
            // Batch 2, a 1×1 kernel, and more than 16 filters (the vector path of the matrix product).
            ConvCase(input: [2, 4, 5, 3], kernel: (1, 1), filters: 18, padding: .same),
            ConvCase(input: [2, 5, 5, 6], kernel: (3, 3), filters: 17, strides: (2, 2), padding: .same, bias: false),
        ]
        for (number, c) in cases.enumerated() {
            var random = SeededGenerator(seed: 100 + UInt64(number))
            let kernel = random.tensor([c.kernel.0, c.kernel.1, c.input[3], c.filters])
            let bias = c.bias ? random.tensor([c.filters]).scalars : nil
            let op = Conv2DOp(kernel: kernel, bias: bias, strides: c.strides, dilation: c.dilation, padding: c.padding)
            checkGradients(op, [random.tensor(c.input)], "case \(number): \(c)")
        }
    }

    // MARK: - Dense

    func testDenseGradients() {
        var random = SeededGenerator(seed: 200)
        for (input, units, bias) in [
            ([3, 7], 5, true), ([2, 20], 18, false), ([5, 9], 33, true),
            ([2, 2, 3, 6], 4, true), ([1, 3, 2, 17], 16, false),
        ] {
            let op = DenseOp(kernel: random.tensor([input.last!, units]), bias: bias ? random.tensor([units]).scalars : nil)
            checkGradients(op, [random.tensor(input)], "input \(input), \(units) units")
        }
    }

    // MARK: - Pooling

    func testPoolingGradients() {
        let cases: [(Pool2DOp.Reduction, (Int, Int), (Int, Int), Padding, [Int])] = [
            (.max, (2, 2), (2, 2), .valid, [1, 6, 6, 2]),
            (.max, (3, 3), (2, 2), .valid, [1, 7, 8, 2]),
            (.max, (3, 3), (2, 2), .same, [1, 6, 7, 2]),
            (.max, (2, 2), (3, 3), .same, [2, 7, 5, 1]), // stride > pool: some inputs get no gradient
            (.max, (3, 2), (1, 2), .same, [1, 5, 6, 3]),
            (.average, (2, 2), (2, 2), .valid, [1, 6, 6, 2]),
            (.average, (3, 3), (2, 2), .same, [1, 6, 7, 2]),
            (.average, (3, 3), (1, 1), .same, [1, 4, 5, 2]), // every edge window is partial
            (.average, (2, 3), (3, 1), .same, [2, 7, 5, 1]),
            (.average, (3, 3), (2, 1), .valid, [1, 7, 6, 3]),
        ]
        for (number, (reduction, pool, strides, padding, shape)) in cases.enumerated() {
            var random = SeededGenerator(seed: 300 + UInt64(number))
            let op = Pool2DOp(reduction, poolSize: pool, strides: strides, padding: padding)
            // Distinct values 0.05 apart and a step of 0.01: the maximum of a window never changes.
            let x = reduction == .max ? random.distinctTensor(shape, spacing: 0.05) : random.tensor(shape)
            checkGradients(op, [x], epsilon: 1e-2, "case \(number): \(reduction) pool \(pool) strides \(strides) \(padding)")
        }
    }

    // MARK: - Shape and merge ops

    func testReshapeGradients() {
        var random = SeededGenerator(seed: 400)
        checkGradients(ReshapeOp.flatten(), [random.tensor([2, 3, 4, 2])], "flatten")
        checkGradients(ReshapeOp(itemShape: [4, -1]), [random.tensor([2, 3, 4, 2])], "reshape (4, -1)")
    }

    func testAddGradientsWithThreeInputs() {
        var random = SeededGenerator(seed: 500)
        let inputs = (0..<3).map { _ in random.tensor([2, 3, 2, 4]) }
        checkGradients(AddOp(), inputs)
    }

    func testConcatenateGradients() {
        var random = SeededGenerator(seed: 600)
        checkGradients(ConcatenateOp(axis: -1), [random.tensor([2, 3, 3, 2]), random.tensor([2, 3, 3, 4])], "axis -1")
        checkGradients(ConcatenateOp(axis: 1), [random.tensor([2, 2, 3, 2]), random.tensor([2, 4, 3, 2])], "axis 1")
        checkGradients(
            ConcatenateOp(axis: 2),
            [random.tensor([2, 2, 1, 3]), random.tensor([2, 2, 3, 3]), random.tensor([2, 2, 2, 3])],
            "axis 2, three inputs")
        checkGradients(ConcatenateOp(axis: -1), [random.tensor([3, 4]), random.tensor([3, 1])], "rank 2")
    }

    func testIdentityGradients() {
        var random = SeededGenerator(seed: 700)
        checkGradients(IdentityOp(kind: "Dropout"), [random.tensor([2, 3, 4])])
    }

    // MARK: - Activations

    func testActivationGradientsForEveryFunction() {
        XCTAssertFalse(ActivationFunction.allCases.isEmpty)
        for (number, function) in ActivationFunction.allCases.enumerated() {
            var random = SeededGenerator(seed: 800 + UInt64(number))
            // Magnitudes in [0.1, 2.4]: away from the kinks of relu-like functions at 0 (and of
            // clip-based ones at ±2.5 and 6); the shrinks' kinks at ±0.5 and hard_tanh's and the
            // sparse ones' at ±1 are stepped over.
            for shape in [[3, 5], [1, 2, 3, 4]] {
                let x = random.tensorAvoidingZero(shape).nudged(awayFrom: [-1, -0.5, 0.5, 1], by: 0.01)
                checkGradients(ActivationOp(function), [x], epsilon: 1e-3, "\(function) on \(shape)")
            }
        }
    }

    /// TensorFlow's conventions where the derivative is undefined (FORMATS.md §3).
    func testReluGradientIsZeroAtZero() {
        let x = Tensor(shape: [1, 4], scalars: [0, -0.0, 1, -1])
        let op = ActivationOp(.relu)
        let g = op.inputGradients([x], output: op.forward([x]), outputGradient: Tensor(shape: [1, 4], repeating: 3))
        XCTAssertEqual(g[0].scalars, [0, 0, 3, 0])
    }

    /// Softmax's rows are independent and its gradient sums to zero along a row: checks the
    /// row-wise structure directly, not just agreement with the forward.
    func testSoftmaxForwardIsRowwise() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000])
        let y = ActivationOp(.softmax).forward([x])
        let e1 = 1 / (1 + exp(-1.0) + exp(-2.0))
        assertClose(
            y,
            Tensor(
                shape: [2, 3],
                scalars: [
                    Float(e1 * exp(-2.0)), Float(e1 * exp(-1.0)), Float(e1),
                    1 / 3, 1 / 3, 1 / 3,
                ]), tolerance: 1e-6)
    }
}

extension Tensor {
    /// Values within `distance` of a kink moved to `2 × distance` past it.
    fileprivate func nudged(awayFrom kinks: [Float], by distance: Float) -> Tensor {
        Tensor(
            shape: shape,
            scalars: scalars.map { value in
                kinks.first { abs(value - $0) < distance }.map { $0 + 2 * distance } ?? value
            })
    }
}
