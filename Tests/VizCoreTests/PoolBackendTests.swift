import VizTesting
import XCTest

@testable import VizCore

/// Pooling's oneDNN primitives (the fast path) against the plain-Swift reference passes.
final class PoolBackendTests: XCTestCase {
    private struct Case: CustomStringConvertible {
        var reduction: Pool2DOp.Reduction
        var batch, height, width, channels: Int
        var pool, strides: (Int, Int)
        var padding: Padding

        var description: String {
            "\(reduction) x=(\(batch),\(height),\(width),\(channels)) pool=\(pool) strides=\(strides) padding=\(padding)"
        }
    }

    /// Both reductions and paddings, overlapping and gapped windows, odd sizes (asymmetric SAME
    /// padding, leftover rows) and channel counts that are and are not multiples of the blocks.
    private func cases() -> [Case] {
        var random = SeededGenerator(seed: 21)
        var cases: [Case] = []
        for reduction in [Pool2DOp.Reduction.max, .average] {
            for padding in [Padding.valid, .same] {
                for (pool, strides) in [
                    ((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 3), (1, 1)), ((2, 3), (3, 1)),
                    ((1, 2), (1, 2)),
                ] {
                    for channels in [1, 5, 8, 16, 24] {
                        cases.append(
                            Case(
                                reduction: reduction, batch: random.int(1...3), height: random.int(5...14),
                                width: random.int(5...15), channels: channels, pool: pool, strides: strides,
                                padding: padding))
                    }
                }
            }
        }
        return cases
    }

    func testPrimitivesMatchTheReferenceInEveryLayout() throws {
        var random = SeededGenerator(seed: 4)
        for c in cases() {
            let op = Pool2DOp(c.reduction, poolSize: c.pool, strides: c.strides, padding: c.padding)
            let standard = random.tensor([c.batch, c.height, c.width, c.channels])
            let layouts =
                [TensorLayout.standard]
                + [8, 16].map { .channelBlocks($0) }.filter {
                    Tensor.canHold(standard.shape, in: $0)
                }
            for layout in layouts {
                let x = standard.relaidOut(layout)
                let label = "\(c) layout=\(layout)"
                let backend = try XCTUnwrap(op.backend(for: x), "no oneDNN pooling for \(label)")

                let y = op.forward([x])
                XCTAssertEqual(y.layout, layout, label)
                assertClose(y.standardized(), op.forwardReference([standard]), tolerance: 1e-6, "forward \(label)")

                let dy = random.tensor(y.shape)
                let dx = op.inputGradients([x], output: y, outputGradient: dy.relaidOut(layout))[0]
                XCTAssertEqual(dx.layout, layout, label)
                let expected = op.inputGradientsReference([standard], output: y.standardized(), outputGradient: dy)[0]
                assertClose(dx.standardized(), expected, tolerance: 1e-6, "input gradient \(label)")
                XCTAssertFalse(backend.implementation.isEmpty)
            }
        }
    }

    /// After a ReLU most windows hold ties (zeros); the gradient must go where the reference (and
    /// TensorFlow) send it, the first maximum in row-major window order, or masks downstream differ.
    func testMaxGradientGoesToTheFirstOfTiedMaxima() {
        var random = SeededGenerator(seed: 9)
        for padding in [Padding.valid, .same] {
            let op = Pool2DOp(.max, poolSize: (3, 3), strides: (2, 2), padding: padding)
            let x = Tensor(shape: [2, 9, 11, 8], scalars: (0..<(2 * 9 * 11 * 8)).map { _ in Float(random.int(0...2)) })
            let y = op.forward([x])
            let dy = random.tensor(y.shape)
            // Overlapping windows add up in another order: rounding differs, a misrouted gradient by ~1.
            assertClose(
                op.inputGradients([x], output: y, outputGradient: dy)[0],
                op.inputGradientsReference([x], output: y, outputGradient: dy)[0], tolerance: 1e-6, "\(padding)")
        }
    }

    func testPrimitivesAreBuiltOncePerShape() {
        let op = Pool2DOp(.max, poolSize: (2, 2), strides: (2, 2), padding: .valid)
        var random = SeededGenerator(seed: 2)
        let x = random.tensor([1, 8, 8, 8])
        let backend = op.backend(for: x)
        XCTAssertNotNil(backend)
        XCTAssertTrue(op.backend(for: x) === backend)
        XCTAssertFalse(op.backend(for: x.relaidOut(.channelBlocks(8))) === backend)
        XCTAssertFalse(op.backend(for: random.tensor([2, 8, 8, 8])) === backend)
    }
}
