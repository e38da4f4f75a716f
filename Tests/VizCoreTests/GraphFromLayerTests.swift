import VizCore
import VizTesting
import XCTest

/// Running the graph from a given layer value upward (what Ablation-CAM needs), and guided
/// backpropagation's rule for rectifiers.
final class GraphFromLayerTests: XCTestCase {
    func testAGivenValueReplacesEverythingBelowIt() throws {
        let (graph, ops, nodes) = try recordingChain()
        let given = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let values = try graph.evaluate([], given: [nodes[3]: given], targets: [nodes[4]])
        XCTAssertEqual(values[nodes[4]]?.scalars, given.scalars.map { $0 * 5 })
        XCTAssertEqual(ops.map(\.forwardCalls), [0, 0, 1, 0], "only c runs; no input is needed")
        XCTAssertEqual(graph.ancestors(of: [nodes[4]], above: [nodes[3]]), [nodes[3], nodes[4]])
        // A target below the given node still needs the input.
        XCTAssertThrowsError(try graph.evaluate([], given: [nodes[3]: given], targets: [nodes[2]])) {
            XCTAssertTrue($0 is VizError)
        }
    }

    /// input → a → b; out = b + a: the path through a bypasses b, so the input is still fed.
    func testASkipConnectionAroundTheGivenNodeReadsTheInput() throws {
        let graph = Graph()
        let ops = [RecordingOp(factor: 2), RecordingOp(factor: 3)]
        let input = try graph.add("input", InputOp(shape: [-1, 2]))
        let a = try graph.add("a", ops[0], inputs: [input])
        let b = try graph.add("b", ops[1], inputs: [a])
        let out = try graph.add("out", AddOp(), inputs: [b, a])
        XCTAssertTrue(graph.ancestors(of: [out], above: [b]).contains(input))
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let full = try graph.evaluate([x], targets: [out, b])
        XCTAssertEqual(
            try graph.evaluate([x], given: [b: full[b]!], targets: [out])[out], full[out], "the true value gives the full pass")
        XCTAssertEqual(ops.map(\.forwardCalls), [2, 1], "b is not computed when given")
        let zeroed = try graph.evaluate([x], given: [b: Tensor(zeros: [2, 2])], targets: [out])[out]
        XCTAssertEqual(zeroed?.scalars, x.scalars.map { $0 * 2 }, "only the skip path is left")
    }

    /// input (1, 3) → dense W1 (3×4) → rectifier → dense W2 (4×1): the guided gradient passes only
    /// the positive part of what reaches each rectifier's input.
    func testGuidedRuleRectifiesTheGradientThroughEveryRectifier() throws {
        var random = SeededGenerator(seed: 11)
        let w1 = random.tensor([3, 4])
        let w2 = random.tensor([4, 1])
        let x = random.tensor([1, 3])
        let pre = (0..<4).map { j in (0..<3).reduce(Float(0)) { $0 + x.scalars[$1] * w1.scalars[$1 * 4 + j] } }
        XCTAssertTrue(pre.contains { $0 > 0 } && w2.scalars.contains { $0 < 0 }, "the seed exercises both gates")
        let rectifiers: [(Op, guided: Bool)] = [
            (ActivationOp(.relu), true), (ActivationOp(.relu6), true), (ReLUOp(), true), (ClipOp(minimum: 0, maximum: 6), true),
            (ReLUOp(negativeSlope: 0.1), false), (ActivationOp(.tanh), false),
        ]
        for (op, guided) in rectifiers {
            let graph = Graph()
            let input = try graph.add("input", InputOp(shape: [-1, 3]))
            let first = try graph.add("first", DenseOp(kernel: w1, bias: nil), inputs: [input])
            let gate = try graph.add("gate", op, inputs: [first])
            let out = try graph.add("out", DenseOp(kernel: w2, bias: nil), inputs: [gate])
            let trace = try graph.trace([x], upTo: [out])
            let seed = [out: Tensor(shape: [1, 1], scalars: [1])]
            let plain = try trace.gradients(seeds: seed, wrt: [input])[input]!
            let result = try trace.gradients(seeds: seed, wrt: [input], rule: .guided)[input]!
            guard guided else {
                XCTAssertEqual(result, plain, "\(op.kind) is no rectifier: guidance leaves it alone")
                continue
            }
            // By hand: the gate passes where its input is positive (below 6 for the capped ones), then relu.
            let passed = (0..<4).map { j -> Float in
                let open = pre[j] > 0 && (op.kind == "relu" || op.kind == "ReLU" || pre[j] < 6)
                return open ? max(w2.scalars[j], 0) : 0
            }
            let expected = (0..<3).map { i in (0..<4).reduce(Float(0)) { $0 + w1.scalars[i * 4 + $1] * passed[$1] } }
            assertClose(result, Tensor(shape: [1, 3], scalars: expected), tolerance: 1e-6, op.kind)
            XCTAssertNotEqual(result, plain, "\(op.kind): a negative gradient was dropped")
        }
    }
}
