import VizCore
import VizTesting
import XCTest

/// An op that counts its forward calls and multiplies by a constant (so a skipped node is visible
/// both in the count and in the values).
final class RecordingOp: Op {
    let factor: Float
    private(set) var forwardCalls = 0
    private(set) var gradientCalls = 0

    init(factor: Float = 2) { self.factor = factor }

    var kind: String { "Recording" }
    func outputShape(for inputShapes: [[Int]]) throws -> [Int] { inputShapes[0] }
    func forward(_ inputs: [Tensor]) -> Tensor {
        forwardCalls += 1
        return Tensor(shape: inputs[0].shape, scalars: inputs[0].scalars.map { $0 * factor })
    }
    func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        gradientCalls += 1
        return [Tensor(shape: outputGradient.shape, scalars: outputGradient.scalars.map { $0 * factor })]
    }
}

/// input → a → b → c, and a side branch input → side, each a `RecordingOp`.
func recordingChain() throws -> (Graph, [RecordingOp], [Int]) {
    let graph = Graph()
    let ops = [RecordingOp(factor: 2), RecordingOp(factor: 3), RecordingOp(factor: 5), RecordingOp(factor: 7)]
    let input = try graph.add("input", InputOp(shape: [-1, 3]))
    let side = try graph.add("side", ops[3], inputs: [input])
    let a = try graph.add("a", ops[0], inputs: [input])
    let b = try graph.add("b", ops[1], inputs: [a])
    let c = try graph.add("c", ops[2], inputs: [b])
    return (graph, ops, [input, side, a, b, c])
}

final class GraphTests: XCTestCase {
    /// A value that depends on another only through an index (ArgMax) has no gradient from it: the
    /// index is where the gradient stops. None stops where another path passes, where the gradient
    /// is asked at the index itself, or where nothing depends.
    func testAGradientStopsAtAnIndexWithNoOtherPath() throws {
        let graph = Graph()
        let x = try graph.add("x", InputOp(shape: [-1, 4, 4, 1]))
        let classes = try graph.add(
            "classes", ArgExtremumOp(.max, axis: 3, keepDims: true, lastOnTies: false, kind: "ArgMax"), inputs: [x])
        let copied = try graph.add("copied", IdentityOp(), inputs: [classes])
        let rectified = try graph.add("rectified", ReLUOp(), inputs: [x])
        let mixed = try graph.add("mixed", ElementwiseMergeOp(.add), inputs: [copied, rectified])
        XCTAssertEqual(graph.gradientStop(from: copied, to: x), classes)
        XCTAssertEqual(graph.gradientStop(from: classes, to: x), classes)
        XCTAssertNil(graph.gradientStop(from: copied, to: classes))
        XCTAssertNil(graph.gradientStop(from: mixed, to: x))
        XCTAssertNil(graph.gradientStop(from: rectified, to: classes))
    }

    // MARK: - Building

    func testAddRejectsDuplicateNamesMissingInputsAndBadShapes() throws {
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: [-1, 4]))
        try graph.add("dense", DenseOp(kernel: Tensor(zeros: [4, 3]), bias: nil), inputs: [input])
        XCTAssertThrowsError(try graph.add("dense", IdentityOp(), inputs: [input])) { XCTAssertTrue($0 is VizError) }
        XCTAssertThrowsError(try graph.add("later", IdentityOp(), inputs: [5])) { XCTAssertTrue($0 is VizError) }
        XCTAssertThrowsError(try graph.add("wrong", DenseOp(kernel: Tensor(zeros: [5, 3]), bias: nil), inputs: [input])) {
            error in
            XCTAssertEqual((error as? VizError)?.location, "wrong", "a shape error names the node")
        }
        XCTAssertEqual(graph.nodes.map(\.name), ["input", "dense"])
        XCTAssertEqual(graph.nodes[1].shape, [1, 3], "inferred with batch 1")
        XCTAssertEqual(graph.index(of: "dense"), 1)
        XCTAssertNil(graph.index(of: "wrong"))
    }

    // MARK: - Forward

    func testEvaluateReturnsExactlyTheRequestedNodes() throws {
        let (graph, _, nodes) = try recordingChain()
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let values = try graph.evaluate([x], targets: [nodes[2], nodes[4]])
        XCTAssertEqual(Set(values.keys), [nodes[2], nodes[4]])
        XCTAssertEqual(values[nodes[2]]?.scalars, x.scalars.map { $0 * 2 })
        XCTAssertEqual(values[nodes[4]]?.scalars, x.scalars.map { $0 * 30 })
        // An input node can itself be a target.
        XCTAssertEqual(try graph.evaluate([x], targets: [nodes[0]]), [nodes[0]: x])
    }

    func testEvaluateStopsAtTheDeepestTargetAndSkipsUnneededBranches() throws {
        let (graph, ops, nodes) = try recordingChain()
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        _ = try graph.evaluate([x], targets: [nodes[3]])
        XCTAssertEqual(ops.map(\.forwardCalls), [1, 1, 0, 0], "c comes after the target; side is not an ancestor")
        _ = try graph.evaluate([x], targets: [nodes[1]])
        XCTAssertEqual(ops.map(\.forwardCalls), [1, 1, 0, 1])
        _ = try graph.evaluate([x], targets: [nodes[4], nodes[2]])
        XCTAssertEqual(ops.map(\.forwardCalls), [2, 2, 1, 1], "every node runs once however many targets need it")
    }

    func testFeedShapeMismatchIsAVizErrorAtTheInput() throws {
        let (graph, ops, nodes) = try recordingChain()
        XCTAssertThrowsError(try graph.evaluate([Tensor(zeros: [1, 4])], targets: [nodes[4]])) { error in
            let error = error as? VizError
            XCTAssertEqual(error?.location, "input")
            XCTAssertTrue(error?.message.contains("(None, 3)") == true, error?.message ?? "")
        }
        XCTAssertThrowsError(try graph.evaluate([Tensor(zeros: [3])], targets: [nodes[4]])) { XCTAssertTrue($0 is VizError) }
        XCTAssertThrowsError(try graph.evaluate([], targets: [nodes[4]])) { XCTAssertTrue($0 is VizError) }
        XCTAssertThrowsError(try graph.trace([Tensor(zeros: [1, 2])], upTo: [nodes[4]])) { XCTAssertTrue($0 is VizError) }
        XCTAssertEqual(ops.map(\.forwardCalls), [0, 0, 0, 0])
    }

    func testRuntimeShapeErrorNamesTheNode() throws {
        // Spatial size unknown when built: a 3×3 VALID window can only be found too large when a tensor arrives.
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: [-1, -1, -1, 1]))
        let conv = try graph.add(
            "conv", Conv2DOp(kernel: Tensor(zeros: [3, 3, 1, 2]), bias: nil, padding: .valid),
            inputs: [input])
        XCTAssertEqual(graph.nodes[conv].shape, [1, -1, -1, 2])
        XCTAssertEqual(try graph.evaluate([Tensor(zeros: [1, 3, 4, 1])], targets: [conv])[conv]?.shape, [1, 1, 2, 2])
        XCTAssertThrowsError(try graph.evaluate([Tensor(zeros: [1, 2, 4, 1])], targets: [conv])) { error in
            XCTAssertEqual((error as? VizError)?.location, "conv")
        }
    }

    // MARK: - Backward

    /// x → conv1 → tanh ─┐
    ///   └──────→ conv2 ──┴→ add(tanh, conv2, x) → flatten → dense → out
    private struct Diamond {
        let graph = Graph()
        var x = 0, conv1 = 0, tanh = 0, conv2 = 0, add = 0, out = 0
        let ops: (conv1: Conv2DOp, tanh: ActivationOp, conv2: Conv2DOp, add: AddOp, flatten: ReshapeOp, dense: DenseOp)

        init(seed: UInt64) throws {
            var random = SeededGenerator(seed: seed)
            ops = (
                Conv2DOp(kernel: random.tensor([3, 3, 2, 2]), bias: random.tensor([2]).scalars, padding: .same),
                ActivationOp(.tanh),
                Conv2DOp(kernel: random.tensor([1, 1, 2, 2]), bias: nil, padding: .valid),
                AddOp(), ReshapeOp.flatten(),
                DenseOp(kernel: random.tensor([32, 3]), bias: random.tensor([3]).scalars)
            )
            x = try graph.add("x", InputOp(shape: [-1, 4, 4, 2]))
            conv1 = try graph.add("conv1", ops.conv1, inputs: [x])
            tanh = try graph.add("tanh", ops.tanh, inputs: [conv1])
            conv2 = try graph.add("conv2", ops.conv2, inputs: [x])
            add = try graph.add("add", ops.add, inputs: [tanh, conv2, x])
            let flatten = try graph.add("flatten", ops.flatten, inputs: [add])
            out = try graph.add("out", ops.dense, inputs: [flatten])
        }
    }

    func testGradientThroughBranchesSharingAnInputMatchesFiniteDifferences() throws {
        let net = try Diamond(seed: 4_000)
        var random = SeededGenerator(seed: 4_001)
        let x = random.tensor([1, 4, 4, 2])
        let w = random.tensor([1, 3])
        let trace = try net.graph.trace([x], upTo: [net.out, net.conv2])
        let gradients = try trace.gradients(seeds: [net.out: w], wrt: [net.x])
        XCTAssertEqual(Array(gradients.keys), [net.x])
        let numeric = numericGradients([x], epsilon: 1e-2) { inputs in
            weightedSum(try! net.graph.evaluate(inputs, targets: [net.out])[net.out]!, w)
        }
        let result = compareGradients(analytic: [gradients[net.x]!], numeric: numeric, inputs: [x])
        XCTAssertTrue(result.problems.isEmpty, result.problems.joined())
        XCTAssertLessThan(result.relative, 2e-3, result.summary)

        // All three paths matter: dropping any one of them changes the gradient.
        let direct = try trace.gradients(seeds: [net.add: Tensor(shape: [1, 4, 4, 2], repeating: 1)], wrt: [net.x])[net.x]!
        let viaConv2 = net.ops.conv2.inputGradients(
            [x], output: trace.value(net.conv2)!,
            outputGradient: Tensor(shape: [1, 4, 4, 2], repeating: 1))[0]
        XCTAssertGreaterThan(
            zip(direct.scalars, viaConv2.scalars).map { abs($0 - $1 - 1) }.max()!, 1e-3,
            "the conv1 branch contributes")
    }

    /// `gradients` leaves the trace as it was, to be differentiated again; `lastGradients` gives
    /// the same gradients and empties it.
    func testATraceGivesTheSameGradientsAgainAndForTheLastTime() throws {
        let net = try Diamond(seed: 4_050)
        var random = SeededGenerator(seed: 4_051)
        let x = random.tensor([1, 4, 4, 2])
        let w = random.tensor([1, 3])
        var trace = try net.graph.trace([x], upTo: [net.out, net.conv2])
        let conv2 = try XCTUnwrap(trace.value(net.conv2))
        let first = try trace.gradients(seeds: [net.out: w], wrt: [net.x])[net.x]!
        XCTAssertEqual(trace.value(net.conv2), conv2)
        XCTAssertEqual(try trace.gradients(seeds: [net.out: w], wrt: [net.x])[net.x]!, first)
        let copy = trace
        XCTAssertEqual(try trace.lastGradients(seeds: [net.out: w], wrt: [net.x])[net.x]!, first)
        XCTAssertNil(trace.value(net.conv2))
        // A copy made before keeps its values.
        XCTAssertEqual(copy.value(net.conv2), conv2)
        XCTAssertEqual(try copy.gradients(seeds: [net.out: w], wrt: [net.x])[net.x]!, first)
    }

    /// d(loss)/d(an intermediate node), checked by finite differences on a graph that starts there.
    func testGradientWithRespectToAnIntermediateNode() throws {
        let net = try Diamond(seed: 4_100)
        var random = SeededGenerator(seed: 4_101)
        let x = random.tensor([1, 4, 4, 2])
        let w = random.tensor([1, 3])
        let trace = try net.graph.trace([x], upTo: [net.out, net.conv1, net.conv2])
        let gradients = try trace.gradients(seeds: [net.out: w], wrt: [net.conv1, net.x])
        XCTAssertEqual(Set(gradients.keys), [net.conv1, net.x])

        // The tail of the network as its own graph, fed conv1's value (conv2 and x held fixed).
        let tail = Graph()
        let conv1In = try tail.add("conv1", InputOp(shape: [-1, 4, 4, 2]))
        let conv2In = try tail.add("conv2", InputOp(shape: [-1, 4, 4, 2]))
        let xIn = try tail.add("x", InputOp(shape: [-1, 4, 4, 2]))
        let t = try tail.add("tanh", net.ops.tanh, inputs: [conv1In])
        let a = try tail.add("add", net.ops.add, inputs: [t, conv2In, xIn])
        let f = try tail.add("flatten", net.ops.flatten, inputs: [a])
        let out = try tail.add("out", net.ops.dense, inputs: [f])
        let conv1 = trace.value(net.conv1)!
        let conv2 = trace.value(net.conv2)!
        let numeric = numericGradients([conv1], epsilon: 1e-3) { inputs in
            weightedSum(try! tail.evaluate([inputs[0], conv2, x], targets: [out])[out]!, w)
        }
        let result = compareGradients(analytic: [gradients[net.conv1]!], numeric: numeric, inputs: [conv1])
        XCTAssertLessThan(result.relative, 2e-3, result.summary)
    }

    func testGradientsAddUpWhenANodeFeedsTheSameOpTwice() throws {
        let graph = Graph()
        let x = try graph.add("x", InputOp(shape: [-1, 3]))
        let doubled = try graph.add("double", AddOp(), inputs: [x, x])
        let scaled = try graph.add("scaled", RecordingOp(factor: 3), inputs: [doubled])
        let input = Tensor(shape: [1, 3], scalars: [1, -2, 4])
        let trace = try graph.trace([input], upTo: [scaled])
        XCTAssertEqual(trace.value(scaled)?.scalars, [6, -12, 24])
        let g = try trace.gradients(seeds: [scaled: Tensor(shape: [1, 3], scalars: [1, 10, 100])], wrt: [x, doubled])
        XCTAssertEqual(g[x]?.scalars, [6, 60, 600])
        XCTAssertEqual(g[doubled]?.scalars, [3, 30, 300])
    }

    func testSeveralSeedsAddAndUnrelatedNodesGetZeros() throws {
        let (graph, ops, nodes) = try recordingChain()
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let trace = try graph.trace([x], upTo: [nodes[4], nodes[1]])
        let g = try trace.gradients(
            seeds: [
                nodes[4]: Tensor(shape: [1, 3], repeating: 1),
                nodes[2]: Tensor(shape: [1, 3], scalars: [1, 2, 3]),
            ],
            wrt: [nodes[0], nodes[1]])
        // d/dx of (sum 30x) + (1,2,3)·2x = 30 + (2, 4, 6).
        XCTAssertEqual(g[nodes[0]]?.scalars, [32, 34, 36])
        XCTAssertEqual(g[nodes[1]], Tensor(zeros: [1, 3]), "side is not upstream of any seed")
        XCTAssertEqual(ops[3].gradientCalls, 0, "nothing differentiates through side")
    }

    func testGradientNeedsTheForwardPassToReachTheSeed() throws {
        let (graph, _, nodes) = try recordingChain()
        let trace = try graph.trace([Tensor(zeros: [1, 3])], upTo: [nodes[3]])
        XCTAssertNil(trace.value(nodes[4]))
        XCTAssertThrowsError(try trace.gradients(seeds: [nodes[4]: Tensor(zeros: [1, 3])], wrt: [nodes[0]])) { error in
            XCTAssertEqual((error as? VizError)?.location, "c")
        }
    }

    // MARK: - Scores

    /// Whether the softmax comes fused, as an `Activation` layer or as a `Softmax` layer, the logits
    /// are what goes into it.
    func testLogitNodeIsTheInputOfATrailingSoftmaxLayer() throws {
        for trailing in [ActivationOp(.softmax), SoftmaxOp(axis: -1)] as [Op] {
            let graph = Graph()
            let x = try graph.add("x", InputOp(shape: [-1, 4]))
            let dense = try graph.add("dense", DenseOp(kernel: Tensor(zeros: [4, 3]), bias: nil), inputs: [x])
            let softmax = try graph.add("softmax", trailing, inputs: [dense])
            let layers = [
                Model.Layer(name: "x", className: "InputLayer", outputNode: x, inputLayers: [], parameterCount: 0),
                Model.Layer(name: "dense", className: "Dense", outputNode: dense, inputLayers: ["x"], parameterCount: 12),
                Model.Layer(
                    name: "softmax", className: trailing.kind, outputNode: softmax, inputLayers: ["dense"],
                    parameterCount: 0),
            ]
            let model = Model(graph: graph, layers: layers, outputLayers: ["softmax"], path: "m", loaderName: "test")
            XCTAssertEqual(model.logitNode, dense, trailing.kind)
        }
    }
}
