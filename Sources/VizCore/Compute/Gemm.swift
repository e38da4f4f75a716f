internal import CDNNL

/// Single-precision matrix products on row-major buffers, under convolution and dense.
///
/// `multiply` goes through oneDNN's sgemm (JIT kernels for the machine's widest vectors, threads
/// from OpenMP). `multiplyReference` is the plain-Swift kernel the fast path is tested against: it
/// keeps a 4×16 block of C in registers and streams one row of B per step of k, so every loaded
/// B vector is used four times. `multiply` is public for plugins' dense linear maps (the `fft`
/// parameterisation's transforms).
public enum Gemm {
    /// `c[m×n] (+)= op(a) · op(b)`, with row strides `lda`, `ldb`, `ldc`; op(a) is `a[m×k]`, or with
    /// `transposeA` the transpose of `a[k×m]`; op(b) is `b[k×n]`, or with `transposeB` the
    /// transpose of `b[n×k]`.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        Parallelism.applyToBackend()
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: transposeA ? "T" : "N")), CChar(UInt8(ascii: transposeB ? "T" : "N")),
            dnnl_dim_t(m), dnnl_dim_t(n),
            dnnl_dim_t(k), 1, a, dnnl_dim_t(lda), b, dnnl_dim_t(ldb), accumulate ? 1 : 0,
            c, dnnl_dim_t(ldc))
        // sgemm only fails on invalid arguments, which the ops' shape checks rule out.
        precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue)")
    }

    /// The same product in plain Swift, single-threaded.
    static func multiplyReference(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        if !accumulate {
            for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
        }
        let kBlock = 256
        var k0 = 0
        while k0 < k {
            let kc = min(kBlock, k - k0)
            var row = 0
            while row + 4 <= m {
                block4(
                    n: n, k: kc, a: a + row * lda + k0, lda: lda, b: b + k0 * ldb, ldb: ldb,
                    c: c + row * ldc, ldc: ldc)
                row += 4
            }
            while row < m {
                block1(n: n, k: kc, a: a + row * lda + k0, b: b + k0 * ldb, ldb: ldb, c: c + row * ldc)
                row += 1
            }
            k0 += kc
        }
    }

    @inline(__always)
    private static func block4(
        n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let a0 = a
        let a1 = a + lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let c0 = c
        let c1 = c + ldc
        let c2 = c + 2 * ldc
        let c3 = c + 3 * ldc
        var column = 0
        while column + 16 <= n {
            var s0 = SIMD16<Float>()
            var s1 = SIMD16<Float>()
            var s2 = SIMD16<Float>()
            var s3 = SIMD16<Float>()
            var bp = b + column
            for step in 0..<k {
                let bv = UnsafeRawPointer(bp).loadUnaligned(as: SIMD16<Float>.self)
                s0 += a0[step] * bv
                s1 += a1[step] * bv
                s2 += a2[step] * bv
                s3 += a3[step] * bv
                bp += ldb
            }
            add(s0, to: c0 + column)
            add(s1, to: c1 + column)
            add(s2, to: c2 + column)
            add(s3, to: c3 + column)
            column += 16
        }
        while column < n {
            var s0: Float = 0
            var s1: Float = 0
            var s2: Float = 0
            var s3: Float = 0
            for step in 0..<k {
                let bv = b[step * ldb + column]
                s0 += a0[step] * bv
                s1 += a1[step] * bv
                s2 += a2[step] * bv
                s3 += a3[step] * bv
            }
            c0[column] += s0
            c1[column] += s1
            c2[column] += s2
            c3[column] += s3
            column += 1
        }
    }

    @inline(__always)
    private static func block1(
        n: Int, k: Int, a: UnsafePointer<Float>,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>
    ) {
        var column = 0
        while column + 16 <= n {
            var s = SIMD16<Float>()
            for step in 0..<k {
                s += a[step] * UnsafeRawPointer(b + step * ldb + column).loadUnaligned(as: SIMD16<Float>.self)
            }
            add(s, to: c + column)
            column += 16
        }
        while column < n {
            var s: Float = 0
            for step in 0..<k { s += a[step] * b[step * ldb + column] }
            c[column] += s
            column += 1
        }
    }

    @inline(__always)
    private static func add(_ value: SIMD16<Float>, to pointer: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(pointer)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + value, as: SIMD16<Float>.self)
    }
}
