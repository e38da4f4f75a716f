import VizTesting
import XCTest

@testable import VizCore

/// Convolutions run with the residual sum and the ReLU after them as one oneDNN primitive
/// (`Graph+Fusion`, `ConvolutionEpilogue`): the same values as the ops one by one, only where no
/// one asked for the values inside, and the same gradients where gradients are asked for.
final class ConvolutionFusionTests: XCTestCase {
    /// Each epilogue on standard and blocked inputs and residuals, against the reference path's
    /// convolution followed by the sum and the rectifier written out here.
    func testFusedPrimitiveMatchesTheConvolutionSumAndReluOneByOne() throws {
        var random = SeededGenerator(seed: 41)
        let op = Conv2DOp(
            kernel: random.tensor([3, 3, 16, 16]), bias: random.tensor([16]).scalars, strides: (1, 1),
            padding: .same)
        let x = random.tensor([2, 7, 9, 16])
        let convolution = op.forwardReference([x])
        let residualValue = random.tensor(convolution.shape)
        for epilogue in [
            ConvolutionEpilogue(addsResidual: false, rectifies: true),
            ConvolutionEpilogue(addsResidual: true, rectifies: false),
            ConvolutionEpilogue(addsResidual: true, rectifies: true),
        ] {
            var expected = convolution
            for i in expected.scalars.indices {
                if epilogue.addsResidual { expected.scalars[i] += residualValue.scalars[i] }
                if epilogue.rectifies { expected.scalars[i] = max(expected.scalars[i], 0) }
            }
            for (input, residualLayout) in [(x, TensorLayout.standard), (x.relaidOut(.channelBlocks(8)), .channelBlocks(16))] {
                let label = "\(epilogue), input \(input.layout), residual \(residualLayout)"
                var residual = epilogue.addsResidual ? residualValue.relaidOut(residualLayout) : nil
                let fused = try XCTUnwrap(op.forwardFused([input], epilogue: epilogue, residual: &residual), label)
                XCTAssertNil(residual, "the residual is taken when the primitive runs, \(label)")
                assertClose(fused, expected, tolerance: 1e-5, label)
            }
        }
    }

    /// x → conv1 → relu1 → conv2 ─ add1 (+ relu1) → relu2 ─┬→ conv3 → add2 (relu2 +) → conv4 (stride 2) → relu4 → pool → dense
    ///                                                    └────────────↗
    private struct Network {
        let graph = Graph()
        var x = 0, conv1 = 0, relu1 = 0, conv2 = 0, add1 = 0, relu2 = 0, conv3 = 0, add2 = 0, conv4 = 0, relu4 = 0
        var out = 0

        init() throws {
            var random = SeededGenerator(seed: 42)
            func conv(_ input: Int, _ output: Int, kernel: Int = 3, strides: Int = 1) -> Conv2DOp {
                Conv2DOp(
                    kernel: random.tensor([kernel, kernel, input, output], -0.3, 0.3), bias: random.tensor([output]).scalars,
                    strides: (strides, strides), padding: .same)
            }
            x = try graph.add("x", InputOp(shape: [-1, 8, 8, 8]))
            conv1 = try graph.add("conv1", conv(8, 16), inputs: [x])
            relu1 = try graph.add("relu1", ActivationOp(.relu), inputs: [conv1])
            conv2 = try graph.add("conv2", conv(16, 16), inputs: [relu1])
            add1 = try graph.add("add1", AddOp(), inputs: [conv2, relu1])
            relu2 = try graph.add("relu2", ActivationOp(.relu), inputs: [add1])
            conv3 = try graph.add("conv3", conv(16, 16, kernel: 1), inputs: [relu2])
            add2 = try graph.add("add2", AddOp(), inputs: [relu2, conv3])
            conv4 = try graph.add("conv4", conv(16, 32, strides: 2), inputs: [add2])
            relu4 = try graph.add("relu4", ActivationOp(.relu), inputs: [conv4])
            let pool = try graph.add(
                "pool", GlobalPoolOp(.average, keepDims: false, kind: "GlobalAveragePooling2D"), inputs: [relu4])
            out = try graph.add("dense", DenseOp(kernel: random.tensor([32, 5]), bias: nil), inputs: [pool])
        }

        /// Every node's value from the ops' public passes, one node at a time.
        func oneByOne(_ input: Tensor) -> [Tensor] {
            var values: [Tensor] = []
            for node in graph.nodes {
                values.append(node.inputs.isEmpty ? input : node.op.forward(node.inputs.map { values[$0] }))
            }
            return values
        }

        /// The chains an `evaluate` of `targets` runs fused, as (first, last) node pairs.
        func fusedChains(evaluating targets: [Int]) -> Set<[Int]> {
            Set(graph.plan(targets: targets).fused.values.map { [$0.convolution, $0.last] })
        }
    }

    func testEvaluateFusesEveryChainNobodyLooksInsideAndGivesTheOpsValues() throws {
        let net = try Network()
        XCTAssertEqual(
            net.fusedChains(evaluating: [net.out]),
            [[net.conv1, net.relu1], [net.conv2, net.relu2], [net.conv3, net.add2], [net.conv4, net.relu4]])
        var random = SeededGenerator(seed: 43)
        let input = random.tensor([3, 8, 8, 8])
        let expected = net.oneByOne(input)
        let outputs = try net.graph.evaluate([input], targets: [net.out, net.add2])
        XCTAssertEqual(Set(outputs.keys), [net.out, net.add2])
        assertClose(outputs[net.out]!, expected[net.out], tolerance: 1e-5, "output")
        assertClose(outputs[net.add2]!, expected[net.add2], tolerance: 1e-5, "add2, a target that ends a chain")
    }

    /// A convolution's pre-activation output or a residual sum asked for by name is computed and
    /// returned: the chain around it runs unfused.
    func testARequestedIntermediateIsNeverFusedAway() throws {
        let net = try Network()
        let targets = [net.conv2, net.add1, net.conv4, net.out]
        let chains = net.fusedChains(evaluating: targets)
        XCTAssertEqual(chains, [[net.conv1, net.relu1], [net.conv3, net.add2]])
        var random = SeededGenerator(seed: 44)
        let input = random.tensor([2, 8, 8, 8])
        let expected = net.oneByOne(input)
        let outputs = try net.graph.evaluate([input], targets: targets)
        XCTAssertEqual(Set(outputs.keys), Set(targets))
        for node in targets {
            assertClose(outputs[node]!, expected[node], tolerance: 1e-5, net.graph.nodes[node].name)
        }
    }

    /// A trace for gradients at `relu2` frees below it and keeps above it only the values the
    /// gradients read (`Op.gradientReads`: the ReLUs' outputs) and those of its target and `relu2`;
    /// its gradients match those of a trace for gradients anywhere.
    func testTraceForGradientsAtALayerGivesTheFullTracesGradients() throws {
        let net = try Network()
        var random = SeededGenerator(seed: 45)
        let input = random.tensor([2, 8, 8, 8])
        let expectedValues = net.oneByOne(input)
        let full = try net.graph.trace([input], upTo: [net.out])
        let partial = try net.graph.trace([input], upTo: [net.out], differentiatingAt: [net.relu2])
        let seed = random.tensor(full.value(net.out)!.shape)
        let expected = try full.gradients(seeds: [net.out: seed], wrt: [net.relu2, net.add2])
        let gradients = try partial.gradients(seeds: [net.out: seed], wrt: [net.relu2, net.add2])
        for node in [net.relu2, net.add2] {
            assertClose(gradients[node]!, expected[node]!, tolerance: 1e-5, net.graph.nodes[node].name)
        }
        for node in [net.relu2, net.relu4, net.out] {
            assertClose(partial.value(node)!, expectedValues[node], tolerance: 1e-5, net.graph.nodes[node].name)
        }
        for node in [net.conv1, net.relu1, net.conv2, net.add1] {
            XCTAssertNil(partial.value(node), "\(net.graph.nodes[node].name) is below the gradients and not kept")
        }
        for node in [net.conv3, net.add2, net.conv4] {
            XCTAssertNil(partial.value(node), "no gradient reads \(net.graph.nodes[node].name)")
        }
        let error = vizError { try partial.gradients(seeds: [net.out: seed], wrt: [net.relu1]) }
        XCTAssertEqual(
            error?.description, "relu1: error: no gradient here: the forward pass kept values for gradients from 'relu2' on")
    }

    /// A layer inside a chain (a convolution's pre-activation output, a residual sum before its
    /// ReLU) as the place of the gradients: the chain runs unfused, and the gradients are the full trace's.
    func testGradientsAtANodeInsideAChainKeepItsChainUnfused() throws {
        let net = try Network()
        var random = SeededGenerator(seed: 47)
        let input = random.tensor([2, 8, 8, 8])
        let full = try net.graph.trace([input], upTo: [net.out])
        let expectedValues = net.oneByOne(input)
        let seed = random.tensor(full.value(net.out)!.shape)
        for node in [net.conv2, net.add1, net.conv4] {
            let name = net.graph.nodes[node].name
            let plan = net.graph.plan(targets: [net.out, node], keepingFrom: node)
            XCTAssertFalse(plan.inside.contains(node), name)
            let partial = try net.graph.trace([input], upTo: [net.out], differentiatingAt: [node])
            assertClose(partial.value(node)!, expectedValues[node], tolerance: 1e-5, name)
            let expected = try full.gradients(seeds: [net.out: seed], wrt: [node])[node]!
            assertClose(try partial.gradients(seeds: [net.out: seed], wrt: [node])[node]!, expected, tolerance: 1e-5, name)
        }
    }

    /// Gradients at the input, as saliency and guided Grad-CAM ask, against finite differences of
    /// the graph's own forward pass. No gradient reads a value inside a chain (convolutions read
    /// their weights, sums nothing, ReLUs their output), so the trace fuses every chain `evaluate` does.
    func testTraceForInputGradientsMatchesFiniteDifferences() throws {
        let net = try Network()
        XCTAssertEqual(
            Set(
                net.graph.plan(targets: [net.out, net.x, net.relu4], keepingFrom: net.x).fused.values.map {
                    [$0.convolution, $0.last]
                }),
            [[net.conv1, net.relu1], [net.conv2, net.relu2], [net.conv3, net.add2], [net.conv4, net.relu4]])
        var random = SeededGenerator(seed: 46)
        let input = random.tensor([1, 8, 8, 8])
        let trace = try net.graph.trace([input], upTo: [net.out], differentiatingAt: [net.x, net.relu4])
        for node in [net.conv1, net.conv2, net.add1, net.conv3, net.add2, net.conv4] {
            XCTAssertNil(trace.value(node), "no gradient reads \(net.graph.nodes[node].name)")
        }
        let weights = random.tensor(trace.value(net.out)!.shape)
        let analytic = try trace.gradients(seeds: [net.out: weights], wrt: [net.x])[net.x]!
        // A small step, so that few pre-activations cross a ReLU's kink.
        let numeric = numericGradients([input], epsilon: 2e-3) { inputs in
            weightedSum(try! net.graph.evaluate(inputs, targets: [net.out])[net.out]!, weights)
        }
        let discrepancy = compareGradients(analytic: [analytic], numeric: numeric, inputs: [input])
        XCTAssertLessThan(discrepancy.relative, 1e-2, discrepancy.summary)
    }
}
