import VizTesting
import XCTest

@testable import VizCore

/// Channel-blocked activations (`TensorLayout.channelBlocks`): the reorders, the convolution
/// primitives reading and writing them, and a graph keeping them between ops.
final class ChannelBlockTests: XCTestCase {
    func testBlockedStorageOrderIsImagesThenChannelBlocksThenPixels() {
        var random = SeededGenerator(seed: 21)
        let (n, h, w, c, block) = (2, 3, 5, 16, 8)
        let x = random.tensor([n, h, w, c])
        let blocked = x.relaidOut(.channelBlocks(block))
        XCTAssertEqual(blocked.layout, .channelBlocks(block))
        XCTAssertEqual(blocked.shape, x.shape)
        XCTAssertEqual(blocked.storageShape, [n * c / block, h, w, block])
        for image in 0..<n {
            for y in 0..<h {
                for xPos in 0..<w {
                    for channel in 0..<c {
                        let standard = ((image * h + y) * w + xPos) * c + channel
                        let plane = image * (c / block) + channel / block
                        let stored = ((plane * h + y) * w + xPos) * block + channel % block
                        XCTAssertEqual(blocked.scalars[stored], x.scalars[standard])
                    }
                }
            }
        }
        XCTAssertEqual(blocked.standardized(), x)
        XCTAssertEqual(blocked.relaidOut(.channelBlocks(16)).standardized(), x)
    }

    func testOnlyShapesWithWholeBlocksCanBeBlocked() {
        XCTAssertTrue(Tensor.canHold([1, 4, 4, 16], in: .channelBlocks(8)))
        XCTAssertFalse(Tensor.canHold([1, 4, 4, 12], in: .channelBlocks(8)))
        XCTAssertFalse(Tensor.canHold([4, 16], in: .channelBlocks(8)))
    }

    /// Blocked and standard inputs, with channel counts that do and do not fill whole blocks.
    func testConvolutionOnBlockedTensorsMatchesTheReference() {
        var random = SeededGenerator(seed: 22)
        let cases: [(input: Int, filters: Int, strides: (Int, Int), dilation: (Int, Int), padding: Padding)] = [
            (3, 16, (1, 1), (1, 1), .same), (8, 16, (1, 1), (1, 1), .same), (16, 24, (2, 2), (1, 1), .valid),
            (16, 5, (1, 1), (1, 1), .same), (16, 16, (1, 1), (2, 2), .same), (32, 8, (2, 1), (1, 1), .same),
        ]
        for c in cases {
            let op = Conv2DOp(
                kernel: random.tensor([3, 3, c.input, c.filters]), bias: random.tensor([c.filters]).scalars,
                strides: c.strides, dilation: c.dilation, padding: c.padding)
            let x = random.tensor([2, 9, 11, c.input])
            let inputs = c.input % 8 == 0 ? [x, x.relaidOut(.channelBlocks(8))] : [x]
            let expected = op.forwardReference([x])
            let dy = random.tensor(expected.shape)
            let expectedDx = op.inputGradientsReference([x], output: expected, outputGradient: dy)[0]
            for input in inputs {
                let label = "\(c) input layout \(input.layout)"
                let y = op.forwardKeepingLayout([input])
                // The layout of `y` is oneDNN's choice for this CPU (blocked on AVX-512 without AMX, NHWC
                // with AMX): whichever it is, the values and the gradient taken in it must agree.
                assertClose(y, expected, tolerance: 1e-5, "forward, \(label)")
                let dx = op.inputGradientsKeepingLayout([input], output: y, outputGradient: dy.relaidOut(y.layout))[0]
                assertClose(dx, expectedDx, tolerance: 1e-5, "input gradient, \(label)")
                // The public passes always answer in the standard layout.
                XCTAssertEqual(op.forward([input.standardized()]).layout, .standard)
            }
        }
    }

    /// The same op, answering in channel blocks of 8 whatever oneDNN would choose on this CPU, so
    /// that the graph has blocks to keep on every machine.
    private final class BlockedOutput: ChannelBlocksOp {
        let base: Conv2DOp
        init(_ base: Conv2DOp) { self.base = base }
        var kind: String { base.kind }
        func outputShape(for inputShapes: [[Int]]) throws -> [Int] { try base.outputShape(for: inputShapes) }
        func forward(_ inputs: [Tensor]) -> Tensor { base.forward(inputs) }
        func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
            base.inputGradients(inputs, output: output, outputGradient: outputGradient)
        }
        func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor {
            base.forwardKeepingLayout(inputs).relaidOut(.channelBlocks(8))
        }
        func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
            base.inputGradientsKeepingLayout(inputs, output: output, outputGradient: outputGradient)
        }
    }

    /// The same op, seen by the graph as one that takes the standard layout only.
    private final class StandardOnly: Op {
        let base: Op
        init(_ base: Op) { self.base = base }
        var kind: String { base.kind }
        func outputShape(for inputShapes: [[Int]]) throws -> [Int] { try base.outputShape(for: inputShapes) }
        func forward(_ inputs: [Tensor]) -> Tensor { base.forward(inputs) }
        func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
            base.inputGradients(inputs, output: output, outputGradient: outputGradient)
        }
    }

    /// x(3) → conv(16) → relu → max pool → conv(16) → relu ─┬→ conv(8) → softmax ─┐
    ///                                                        └→ flatten → dense ──┴→ concatenate
    /// Built with the ops as they are, the first two convolutions answering in blocks (kept up to the
    /// second relu, converted for the others), or wrapped so that every value is standard.
    private func network(blocks: Bool) throws -> (graph: Graph, x: Int, blocked: [Int], pool: Int, out: Int) {
        var random = SeededGenerator(seed: 23)
        let graph = Graph()
        func add(_ name: String, _ op: Op, _ inputs: [Int]) throws -> Int {
            try graph.add(name, blocks ? op : StandardOnly(op), inputs: inputs)
        }
        func blocking(_ conv: Conv2DOp) -> Op { blocks ? BlockedOutput(conv) : conv }
        let x = try graph.add("x", InputOp(shape: [-1, 8, 8, 3]))
        let conv1 = try add(
            "conv1",
            blocking(
                Conv2DOp(
                    kernel: random.tensor([3, 3, 3, 16]),
                    bias: random.tensor([16]).scalars, padding: .same)), [x])
        let relu1 = try add("relu1", ActivationOp(.relu), [conv1])
        let pool = try add("pool", Pool2DOp(.max, poolSize: (2, 2), strides: (2, 2), padding: .valid), [relu1])
        let conv2 = try add(
            "conv2", blocking(Conv2DOp(kernel: random.tensor([3, 3, 16, 16]), bias: nil, padding: .same)),
            [pool])
        let relu2 = try add("relu2", ActivationOp(.relu), [conv2])
        let conv3 = try add("conv3", Conv2DOp(kernel: random.tensor([1, 1, 16, 8]), bias: nil, padding: .valid), [relu2])
        let softmax = try add("softmax", ActivationOp(.softmax), [conv3])
        let flatten = try add("flatten", ReshapeOp.flatten(), [relu2])
        let dense = try add("dense", DenseOp(kernel: random.tensor([256, 8]), bias: nil), [flatten])
        let flatSoftmax = try add("flat_softmax", ReshapeOp.flatten(), [softmax])
        let out = try add("out", ConcatenateOp(axis: -1), [flatSoftmax, dense])
        return (graph, x, [conv1, relu1, pool, conv2, relu2], pool, out)
    }

    func testGraphKeepsBlocksBetweenOpsThatTakeThemAndAgreesWithStandardOps() throws {
        let fast = try network(blocks: true)
        let plain = try network(blocks: false)
        var random = SeededGenerator(seed: 24)
        let input = random.tensor([2, 8, 8, 3], 0, 2)
        // Every node a target: a trace keeps only the values gradients read.
        let fastTrace = try fast.graph.trace([input], upTo: Array(fast.graph.nodes.indices))
        let plainTrace = try plain.graph.trace([input], upTo: Array(plain.graph.nodes.indices))
        for node in fast.blocked {
            XCTAssertNotEqual(fastTrace.values[node]!.layout, .standard, fast.graph.nodes[node].name)
        }
        for index in fast.graph.nodes.indices {
            XCTAssertEqual(fastTrace.value(index)!.layout, .standard)
            assertClose(fastTrace.value(index)!, plainTrace.value(index)!, tolerance: 1e-5, fast.graph.nodes[index].name)
        }
        let evaluated = try fast.graph.evaluate([input], targets: [fast.pool, fast.out])
        XCTAssertEqual(evaluated[fast.pool]!.layout, .standard)
        assertClose(evaluated[fast.out]!, plainTrace.value(plain.out)!, tolerance: 1e-5)

        let w = random.tensor(plainTrace.value(plain.out)!.shape)
        let fastGradients = try fastTrace.gradients(seeds: [fast.out: w], wrt: [fast.x, fast.pool])
        let plainGradients = try plainTrace.gradients(seeds: [plain.out: w], wrt: [plain.x, plain.pool])
        for node in [fast.x, fast.pool] {
            XCTAssertEqual(fastGradients[node]!.layout, .standard)
            assertClose(fastGradients[node]!, plainGradients[node]!, tolerance: 1e-5, fast.graph.nodes[node].name)
        }
    }

    /// Ops that act per element or per channel give on blocks what they give on the standard layout.
    func testAddAndPerChannelAffineOnBlocksMatchTheStandardLayout() {
        var random = SeededGenerator(seed: 25)
        let shape = [2, 5, 3, 16]
        let (a, b) = (random.tensor(shape), random.tensor(shape))
        let batchNorm = AffineOp.batchNormalization(
            mean: random.tensor([1, 1, 16]), variance: random.tensor([1, 1, 16], 0.5, 2),
            gamma: random.tensor([1, 1, 16]), beta: random.tensor([1, 1, 16]),
            epsilon: 1e-3)
        let rescaling = AffineOp(
            scale: Tensor(shape: [1, 1, 1], scalars: [0.5]), offset: Tensor(shape: [1, 1, 1], scalars: [-1]),
            kind: "Rescaling")
        let perRow = AffineOp(scale: random.tensor([5, 1, 1]), offset: random.tensor([5, 1, 1]), kind: "Normalization")
        XCTAssertFalse(perRow.acceptsChannelBlocks, "parameters along another axis than channels")

        let add = AddOp()
        let sum = add.forwardKeepingLayout([a.relaidOut(.channelBlocks(8)), b])
        XCTAssertEqual(sum.layout, .channelBlocks(8))
        assertClose(sum, add.forward([a, b]), tolerance: 1e-6)

        let dy = random.tensor(shape)
        for op in [batchNorm, rescaling] {
            XCTAssertTrue(op.acceptsChannelBlocks)
            let y = op.forwardKeepingLayout([a.relaidOut(.channelBlocks(8))])
            XCTAssertEqual(y.layout, .channelBlocks(8))
            assertClose(y, op.forward([a]), tolerance: 1e-6, op.kind)
            let dx = op.inputGradientsKeepingLayout([a], output: y, outputGradient: dy.relaidOut(.channelBlocks(8)))[0]
            assertClose(dx, op.inputGradients([a], output: op.forward([a]), outputGradient: dy)[0], tolerance: 1e-6, op.kind)
        }
    }

    /// Padding and cropping run on the blocks as they are stored, so a reflection-padded network
    /// (AdaIN's VGG-19, CycleGAN's generators) keeps its activations blocked from one convolution
    /// to the next: every mode gives on blocks what it gives on the standard layout, both ways.
    func testPaddingOnBlocksMatchesTheStandardLayout() {
        var random = SeededGenerator(seed: 26)
        let shape = [2, 5, 4, 16]
        let x = random.tensor(shape)
        let ops =
            [Pad2DOp.Mode.zeros, .reflect, .edge, .wrap].map {
                Pad2DOp(top: 2, bottom: 1, left: 3, right: 0, mode: $0, kind: "Pad")
            } + [Pad2DOp.cropping(top: 1, bottom: 2, left: 0, right: 1)]
        for op in ops {
            XCTAssertTrue(op.acceptsChannelBlocks)
            let standard = op.forward([x])
            let dy = random.tensor(standard.shape)
            let expectedGradient = op.inputGradients([x], output: standard, outputGradient: dy)[0]
            for block in [8, 16] {
                let y = op.forwardKeepingLayout([x.relaidOut(.channelBlocks(block))])
                XCTAssertEqual(y.layout, .channelBlocks(block), "\(op.kind) \(op.mode)")
                XCTAssertEqual(y.standardized(), standard, "\(op.kind) \(op.mode), blocks of \(block)")
                let dx = op.inputGradientsKeepingLayout(
                    [x.relaidOut(.channelBlocks(block)).withoutScalars], output: y,
                    outputGradient: dy.relaidOut(.channelBlocks(block)))[0]
                assertClose(dx, expectedGradient, tolerance: 1e-6, "\(op.kind) \(op.mode), blocks of \(block)")
            }
        }
    }
}
