import VizTesting
import XCTest

@testable import VizCore

/// oneDNN's sgemm (the fast path) against the plain-Swift reference kernel.
final class GemmBackendTests: XCTestCase {
    func testBackendMatchesTheSwiftReference() {
        var generator = SeededGenerator(seed: 7)
        for (m, n, k) in [(1, 1, 1), (5, 17, 3), (64, 64, 64), (130, 33, 300), (7, 300, 257)] {
            for transposeB in [false, true] {
                let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }
                let b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
                let initial = (0..<(m * n)).map { _ in generator.uniform(-1, 1) }
                for accumulate in [false, true] {
                    var fast = initial
                    var reference = initial
                    // The reference takes b as k×n; a transposed b is stored n×k.
                    let bAsKByN = transposeB ? transpose(b, rows: n, columns: k) : b
                    Gemm.multiply(
                        m: m, n: n, k: k, a: a, lda: k, b: b, ldb: transposeB ? k : n, transposeB: transposeB,
                        c: &fast, ldc: n, accumulate: accumulate)
                    Gemm.multiplyReference(
                        m: m, n: n, k: k, a: a, lda: k, b: bAsKByN, ldb: n,
                        c: &reference, ldc: n, accumulate: accumulate)
                    assertClose(
                        Tensor(shape: [m, n], scalars: fast), Tensor(shape: [m, n], scalars: reference),
                        tolerance: 1e-5, "m=\(m) n=\(n) k=\(k) transposeB=\(transposeB) accumulate=\(accumulate)")
                }
            }
        }
    }

    func testThreadCountReachesTheBackendAndKeepsResults() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var generator = SeededGenerator(seed: 3)
        let a = (0..<(200 * 300)).map { _ in generator.uniform(-1, 1) }
        let b = (0..<(300 * 100)).map { _ in generator.uniform(-1, 1) }
        var results: [[Float]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            var c = [Float](repeating: 0, count: 200 * 100)
            Gemm.multiply(m: 200, n: 100, k: 300, a: a, lda: 300, b: b, ldb: 100, c: &c, ldc: 100, accumulate: false)
            results.append(c)
        }
        assertClose(
            Tensor(shape: [200, 100], scalars: results[1]), Tensor(shape: [200, 100], scalars: results[0]),
            tolerance: 1e-5)
    }

    /// The transpose of a row-major `rows×columns` matrix.
    private func transpose(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: matrix.count)
        for row in 0..<rows {
            for column in 0..<columns { out[column * rows + row] = matrix[row * columns + column] }
        }
        return out
    }
}
