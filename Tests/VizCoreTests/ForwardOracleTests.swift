import VizCore
import VizTesting
import XCTest

/// Direct-loop references, written straight from TensorFlow's rules (FORMATS.md §3), that share no
/// code with the engine's im2col/GEMM path.
enum Naive {
    /// TensorFlow's window geometry along one axis: output length and padding before.
    static func geometry(_ n: Int, kernel k: Int, stride s: Int, dilation d: Int, _ padding: Padding) -> (out: Int, before: Int) {
        let effective = (k - 1) * d + 1
        switch padding {
        case .valid:
            return (n >= effective ? (n - effective) / s + 1 : 0, 0)
        case .same:
            let out = (n + s - 1) / s // ceil(n / s)
            let pad = max((out - 1) * s + effective - n, 0)
            return (out, pad / 2)
        case .explicit:
            preconditionFailure("the oracle follows TensorFlow's named modes; explicit padding has its own tests")
        }
    }

    static func conv2D(
        _ x: Tensor, kernel w: Tensor, bias: [Float]?, strides: (Int, Int), dilation: (Int, Int),
        padding: Padding
    ) -> Tensor {
        let (batch, h, wd, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, filters) = (w.shape[0], w.shape[1], w.shape[3])
        let rows = geometry(h, kernel: kh, stride: strides.0, dilation: dilation.0, padding)
        let cols = geometry(wd, kernel: kw, stride: strides.1, dilation: dilation.1, padding)
        var out = [Float](repeating: 0, count: batch * rows.out * cols.out * filters)
        for n in 0..<batch {
            for oy in 0..<rows.out {
                for ox in 0..<cols.out {
                    for f in 0..<filters {
                        var sum = Double(bias?[f] ?? 0)
                        for ky in 0..<kh {
                            let iy = oy * strides.0 - rows.before + ky * dilation.0
                            if iy < 0 || iy >= h { continue }
                            for kx in 0..<kw {
                                let ix = ox * strides.1 - cols.before + kx * dilation.1
                                if ix < 0 || ix >= wd { continue }
                                for c in 0..<cin {
                                    sum +=
                                        Double(x.scalars[((n * h + iy) * wd + ix) * cin + c])
                                        * Double(w.scalars[((ky * kw + kx) * cin + c) * filters + f])
                                }
                            }
                        }
                        out[((n * rows.out + oy) * cols.out + ox) * filters + f] = Float(sum)
                    }
                }
            }
        }
        return Tensor(shape: [batch, rows.out, cols.out, filters], scalars: out)
    }

    /// The adjoint of `conv2D` (without bias): scatters each output gradient back through the window.
    static func conv2DInputGradient(
        _ dy: Tensor, inputShape: [Int], kernel w: Tensor, strides: (Int, Int),
        dilation: (Int, Int), padding: Padding
    ) -> Tensor {
        let (batch, h, wd, cin) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (kh, kw, filters) = (w.shape[0], w.shape[1], w.shape[3])
        let rows = geometry(h, kernel: kh, stride: strides.0, dilation: dilation.0, padding)
        let cols = geometry(wd, kernel: kw, stride: strides.1, dilation: dilation.1, padding)
        var dx = [Double](repeating: 0, count: inputShape.reduce(1, *))
        for n in 0..<batch {
            for oy in 0..<rows.out {
                for ox in 0..<cols.out {
                    for f in 0..<filters {
                        let g = Double(dy.scalars[((n * rows.out + oy) * cols.out + ox) * filters + f])
                        for ky in 0..<kh {
                            let iy = oy * strides.0 - rows.before + ky * dilation.0
                            if iy < 0 || iy >= h { continue }
                            for kx in 0..<kw {
                                let ix = ox * strides.1 - cols.before + kx * dilation.1
                                if ix < 0 || ix >= wd { continue }
                                for c in 0..<cin {
                                    dx[((n * h + iy) * wd + ix) * cin + c] +=
                                        g * Double(w.scalars[((ky * kw + kx) * cin + c) * filters + f])
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx.map(Float.init))
    }

    static func matmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    /// Max pooling ignores padding; average pooling divides by the in-bounds count.
    static func pool(_ x: Tensor, max isMax: Bool, pool: (Int, Int), strides: (Int, Int), padding: Padding) -> Tensor {
        let (batch, h, wd, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = geometry(h, kernel: pool.0, stride: strides.0, dilation: 1, padding)
        let cols = geometry(wd, kernel: pool.1, stride: strides.1, dilation: 1, padding)
        var out: [Float] = []
        for n in 0..<batch {
            for oy in 0..<rows.out {
                for ox in 0..<cols.out {
                    for c in 0..<channels {
                        var values: [Float] = []
                        for iy in (oy * strides.0 - rows.before)..<(oy * strides.0 - rows.before + pool.0) where iy >= 0 && iy < h
                        {
                            for ix in (ox * strides.1 - cols.before)..<(ox * strides.1 - cols.before + pool.1)
                            where ix >= 0 && ix < wd {
                                values.append(x.scalars[((n * h + iy) * wd + ix) * channels + c])
                            }
                        }
                        out.append(isMax ? values.max()! : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count)))
                    }
                }
            }
        }
        return Tensor(shape: [batch, rows.out, cols.out, channels], scalars: out)
    }
}

final class ForwardOracleTests: XCTestCase {
    // MARK: - Convolution

    func testConv2DMatchesDirectLoopsOnRandomShapes() throws {
        var random = SeededGenerator(seed: 1_000)
        var checked = 0
        var sameAsymmetric = 0
        while checked < 60 {
            let padding: Padding = random.bool() ? .same : .valid
            let kernel = (random.int(1...4), random.int(1...4))
            let strides = (random.int(1...3), random.int(1...3))
            let dilation = random.int(0...3) == 0 ? (random.int(1...2), random.int(1...3)) : (1, 1)
            let shape = [random.int(1...2), random.int(1...11), random.int(1...11), random.int(1...5)]
            let filters = random.int(1...20)
            let rows = Naive.geometry(shape[1], kernel: kernel.0, stride: strides.0, dilation: dilation.0, padding)
            let cols = Naive.geometry(shape[2], kernel: kernel.1, stride: strides.1, dilation: dilation.1, padding)
            let w = random.tensor([kernel.0, kernel.1, shape[3], filters])
            let bias = random.bool() ? random.tensor([filters]).scalars : nil
            let op = Conv2DOp(kernel: w, bias: bias, strides: strides, dilation: dilation, padding: padding)
            guard rows.out > 0, cols.out > 0 else {
                // A window larger than a VALID input: shape inference must say so instead of computing.
                XCTAssertThrowsError(try op.outputShape(for: [shape]))
                continue
            }
            let x = random.tensor(shape)
            let description =
                "x \(shape) kernel \(kernel) × \(filters) strides \(strides) dilation \(dilation) \(padding) bias \(bias != nil)"
            let expected = Naive.conv2D(x, kernel: w, bias: bias, strides: strides, dilation: dilation, padding: padding)
            XCTAssertEqual(try op.outputShape(for: [shape]), expected.shape, description)
            assertClose(op.forward([x]), expected, tolerance: 1e-5, description)
            if padding == .same, ((rows.out - 1) * strides.0 + (kernel.0 - 1) * dilation.0 + 1 - shape[1]) % 2 == 1 {
                sameAsymmetric += 1
            }
            checked += 1
        }
        XCTAssertGreaterThan(sameAsymmetric, 3, "too few cases with asymmetric SAME padding")
    }

    /// Hand-computed values: SAME with stride 2 on an even size pads only the bottom/right.
    func testConv2DSamePaddingGoesBottomRight() {
        // 4×4 input 0…15, 3×3 kernel of ones, stride 2: out 2×2, pad 1 in total → 0 before, 1 after.
        let x = Tensor(shape: [1, 4, 4, 1], scalars: (0..<16).map(Float.init))
        let op = Conv2DOp(kernel: Tensor(shape: [3, 3, 1, 1], repeating: 1), bias: [0.5], strides: (2, 2), padding: .same)
        // Window rows 0-2 / cols 0-2: 0+1+2+4+5+6+8+9+10 = 45; rows 0-2 / cols 2-3: 2+3+6+7+10+11 = 39;
        // rows 2-3 / cols 0-2: 8+9+10+12+13+14 = 66; rows 2-3 / cols 2-3: 10+11+14+15 = 50.
        XCTAssertEqual(op.forward([x]), Tensor(shape: [1, 2, 2, 1], scalars: [45.5, 39.5, 66.5, 50.5]))
    }

    /// Large enough that the output is split into several chunks (some starting mid-row and
    /// mid-image) and, for the gradient, several bands; compared with direct loops both ways.
    func testConv2DLargeOutputsRunInSeveralChunks() {
        var random = SeededGenerator(seed: 1_100)
        for (shape, kernel, filters, strides, padding) in [
            ([2, 37, 35, 3], (3, 3), 17, (1, 1), Padding.same), // 2 590 output pixels: 3 chunks of ≤ 1 024
            ([1, 45, 50, 2], (4, 4), 5, (1, 1), Padding.valid), // 1 974 output pixels
            ([2, 67, 64, 2], (3, 3), 3, (2, 2), Padding.same), // 2 176 output pixels, stride 2
        ] {
            let w = random.tensor([kernel.0, kernel.1, shape[3], filters])
            let bias = random.tensor([filters]).scalars
            let x = random.tensor(shape)
            let op = Conv2DOp(kernel: w, bias: bias, strides: strides, padding: padding)
            let y = op.forward([x])
            assertClose(
                y, Naive.conv2D(x, kernel: w, bias: bias, strides: strides, dilation: (1, 1), padding: padding),
                tolerance: 1e-5, "forward \(shape)")
            let dy = random.tensor(y.shape)
            let dx = op.inputGradients([x], output: y, outputGradient: dy)
            XCTAssertEqual(dx.count, 1)
            assertClose(
                dx[0],
                Naive.conv2DInputGradient(
                    dy, inputShape: shape, kernel: w, strides: strides,
                    dilation: (1, 1), padding: padding),
                tolerance: 1e-5, "gradient \(shape)")
        }
    }

    /// Every chunk's result is independent of the thread count: the same bits on 1 thread or 3.
    func testConv2DResultsDoNotDependOnThreadCount() {
        var random = SeededGenerator(seed: 1_200)
        let op = Conv2DOp(kernel: random.tensor([3, 3, 8, 7]), bias: random.tensor([7]).scalars, padding: .same)
        let x = random.tensor([2, 40, 33, 8])
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var results: [(Tensor, Tensor)] = []
        for threads in [1, 3] {
            Parallelism.threads = threads
            let y = op.forward([x])
            let dy = Tensor(shape: y.shape, scalars: y.scalars.map { $0 * 0.5 - 0.1 })
            results.append((y, op.inputGradients([x], output: y, outputGradient: dy)[0]))
        }
        XCTAssertEqual(results[0].0, results[1].0, "forward")
        XCTAssertEqual(results[0].1, results[1].1, "gradient")
    }

    // MARK: - Dense (the matrix product)

    func testDenseMatchesNaiveMatmul() {
        var random = SeededGenerator(seed: 2_000)
        // (m, k, n): odd sizes around the 4-row and 16-column blocks, and k past the 256 block.
        for (m, k, n) in [
            (1, 1, 1), (3, 5, 7), (4, 16, 16), (5, 17, 3), (7, 9, 33), (9, 300, 31),
            (13, 257, 17), (8, 31, 48), (2, 600, 5),
        ] {
            let kernel = random.tensor([k, n])
            let bias = random.tensor([n]).scalars
            let x = random.tensor([m, k])
            var expected = Naive.matmul(x.scalars, kernel.scalars, m: m, k: k, n: n)
            for i in 0..<m { for j in 0..<n { expected[i * n + j] += bias[j] } }
            assertClose(
                DenseOp(kernel: kernel, bias: bias).forward([x]), Tensor(shape: [m, n], scalars: expected),
                tolerance: 1e-5, "forward m \(m) k \(k) n \(n)")
            // Input gradient: dy · kernelᵀ.
            let dy = random.tensor([m, n])
            var kernelT = [Float](repeating: 0, count: k * n)
            for p in 0..<k { for j in 0..<n { kernelT[j * k + p] = kernel.scalars[p * n + j] } }
            let op = DenseOp(kernel: kernel, bias: bias)
            let y = op.forward([x])
            assertClose(
                op.inputGradients([x], output: y, outputGradient: dy)[0],
                Tensor(shape: [m, k], scalars: Naive.matmul(dy.scalars, kernelT, m: m, k: n, n: k)),
                tolerance: 1e-5, "gradient m \(m) k \(k) n \(n)")
        }
    }

    func testDenseAppliesToTheLastAxisOfRank4Inputs() throws {
        var random = SeededGenerator(seed: 2_100)
        let kernel = random.tensor([6, 5])
        let op = DenseOp(kernel: kernel, bias: nil)
        let x = random.tensor([2, 3, 4, 6])
        XCTAssertEqual(try op.outputShape(for: [[-1, 3, 4, 6]]), [-1, 3, 4, 5])
        XCTAssertThrowsError(try op.outputShape(for: [[-1, 3, 4, 7]]))
        let expected = Naive.matmul(x.scalars, kernel.scalars, m: 24, k: 6, n: 5)
        assertClose(op.forward([x]), Tensor(shape: [2, 3, 4, 5], scalars: expected), tolerance: 1e-5)
    }

    // MARK: - Pooling

    func testPoolingMatchesDirectLoops() {
        var random = SeededGenerator(seed: 3_000)
        for number in 0..<40 {
            let padding: Padding = number % 2 == 0 ? .same : .valid
            let isMax = number % 4 < 2
            let pool = (random.int(1...3), random.int(1...3))
            let strides = (random.int(1...3), random.int(1...3))
            let shape = [random.int(1...2), random.int(3...9), random.int(3...9), random.int(1...3)]
            let x = random.tensor(shape, -2, 2)
            let op = Pool2DOp(isMax ? .max : .average, poolSize: pool, strides: strides, padding: padding)
            assertClose(
                op.forward([x]), Naive.pool(x, max: isMax, pool: pool, strides: strides, padding: padding),
                tolerance: 1e-6, "\(isMax ? "max" : "average") pool \(pool) strides \(strides) \(padding) x \(shape)")
        }
    }

    /// SAME average pooling divides each edge window by its in-bounds count, not by the pool size.
    func testAveragePoolSameEdgeWindowsDivideByInBoundsCount() {
        // 3×3 input 1…9, pool 2 stride 2: pad 1 after. Windows {1,2,4,5}, {3,6}, {7,8}, {9}.
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let op = Pool2DOp(.average, poolSize: (2, 2), strides: (2, 2), padding: .same)
        XCTAssertEqual(op.forward([x]), Tensor(shape: [1, 2, 2, 1], scalars: [3, 4.5, 7.5, 9]))
        // Pool 3 stride 1: pad 1 before and after. Corner {1,2,4,5} = 3, edge {1,2,3,4,5,6} = 3.5, centre 5.
        let op3 = Pool2DOp(.average, poolSize: (3, 3), strides: (1, 1), padding: .same)
        XCTAssertEqual(op3.forward([x]), Tensor(shape: [1, 3, 3, 1], scalars: [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]))
        // The gradient spreads each output's gradient over the same in-bounds count.
        let g = op.inputGradients(
            [x], output: op.forward([x]), outputGradient: Tensor(shape: [1, 2, 2, 1], scalars: [4, 2, 2, 1]))
        XCTAssertEqual(g[0], Tensor(shape: [1, 3, 3, 1], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 1]))
    }

    /// SAME max pooling pads with −∞: an all-negative input is never beaten by the padding.
    func testMaxPoolSamePaddingIsNegativeInfinity() {
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map { -Float($0) })
        let op = Pool2DOp(.max, poolSize: (2, 2), strides: (2, 2), padding: .same)
        XCTAssertEqual(op.forward([x]), Tensor(shape: [1, 2, 2, 1], scalars: [-1, -3, -7, -9]))
    }

    /// Ties send the gradient to the first maximum in row-major window order (TF CPU).
    func testMaxPoolGradientGoesToTheFirstMaximumOnTies() {
        // Channel 0: the maximum 7 at (0,1) and (1,0): row-major first is (0,1), column-major first (1,0).
        // Channel 1: 3 everywhere: the gradient goes to (0,0).
        // Channel 2: the maximum at (1,0) and (1,1): (1,0) gets it.
        let x = Tensor(shape: [1, 2, 2, 3], scalars: [5, 3, 1, /**/ 7, 3, 2, /**/ 7, 3, 9, /**/ 1, 3, 9])
        let op = Pool2DOp(.max, poolSize: (2, 2), strides: (2, 2), padding: .valid)
        let y = op.forward([x])
        XCTAssertEqual(y, Tensor(shape: [1, 1, 1, 3], scalars: [7, 3, 9]))
        let g = op.inputGradients([x], output: y, outputGradient: Tensor(shape: [1, 1, 1, 3], scalars: [10, 20, 30]))
        XCTAssertEqual(g[0], Tensor(shape: [1, 2, 2, 3], scalars: [0, 20, 0, /**/ 10, 0, 0, /**/ 0, 0, 30, /**/ 0, 0, 0]))
    }

    /// Overlapping windows each send their gradient to their own first maximum, and the amounts add.
    func testMaxPoolGradientAccumulatesOverOverlappingWindows() {
        // 1×4 row [1, 5, 5, 2], pool (1,2) stride 1: windows {1,5}→5 at 1, {5,5}→ first at 1, {5,2}→5 at 2.
        let x = Tensor(shape: [1, 1, 4, 1], scalars: [1, 5, 5, 2])
        let op = Pool2DOp(.max, poolSize: (1, 2), strides: (1, 1), padding: .valid)
        let g = op.inputGradients(
            [x], output: op.forward([x]), outputGradient: Tensor(shape: [1, 1, 3, 1], scalars: [1, 10, 100]))
        XCTAssertEqual(g[0].scalars, [0, 11, 100, 0])
    }
}
