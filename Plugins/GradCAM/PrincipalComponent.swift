/// Eigen-CAM's decomposition (Muhammad & Yeasin, 2020): a `pixels × channels` matrix, centred per
/// channel, projected onto its first right singular vector, as pytorch-grad-cam's
/// `get_2d_projection` does with `np.linalg.svd`.
///
/// The singular vector is the leading eigenvector of the smaller Gram matrix (MᵀM, or MMᵀ when there
/// are fewer pixels than channels), found by repeated squaring: each squaring squares the ratio of
/// the second eigenvalue to the first, so at most 30 of them (fewer once one eigenvalue is left)
/// separate any two eigenvalues that differ by more than a part in 10⁸; a few plain power steps then polish the vector. The SVD leaves the sign
/// open; it is chosen so that the map correlates positively with the matrix summed over channels.
enum PrincipalComponent {
    /// The projection of each pixel onto the first principal component, `pixels` values.
    static func projection(_ matrix: [Float], channels: Int) -> [Float] {
        let pixels = matrix.count / channels
        var centred = matrix.map(Double.init)
        for k in 0..<channels {
            var mean = 0.0
            for p in 0..<pixels { mean += centred[p * channels + k] }
            mean /= Double(pixels)
            for p in 0..<pixels { centred[p * channels + k] -= mean }
        }
        let projection: [Double]
        if channels <= pixels {
            // v: the leading eigenvector of MᵀM; the projection is M v.
            let v = leadingEigenvector(gram(centred, rows: pixels, columns: channels, transposed: true))
            projection = (0..<pixels).map { p in (0..<channels).reduce(0.0) { $0 + centred[p * channels + $1] * v[$1] } }
        } else {
            // u: the leading eigenvector of MMᵀ; M v = σ u with σ = |Mᵀu|.
            let u = leadingEigenvector(gram(centred, rows: pixels, columns: channels, transposed: false))
            var sigmaSquared = 0.0
            for k in 0..<channels {
                let component = (0..<pixels).reduce(0.0) { $0 + centred[$1 * channels + k] * u[$1] }
                sigmaSquared += component * component
            }
            projection = u.map { $0 * sigmaSquared.squareRoot() }
        }
        let alignment = (0..<pixels).reduce(0.0) { sum, p in
            sum + projection[p] * (0..<channels).reduce(0.0) { $0 + Double(matrix[p * channels + $1]) }
        }
        return projection.map { Float(alignment < 0 ? -$0 : $0) }
    }

    /// MᵀM (`transposed`, columns × columns) or MMᵀ (rows × rows) of a row-major rows × columns M.
    private static func gram(_ m: [Double], rows: Int, columns: Int, transposed: Bool) -> [Double] {
        let size = transposed ? columns : rows
        var result = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in i..<size {
                var sum = 0.0
                if transposed {
                    for r in 0..<rows { sum += m[r * columns + i] * m[r * columns + j] }
                } else {
                    for c in 0..<columns { sum += m[i * columns + c] * m[j * columns + c] }
                }
                result[i * size + j] = sum
                result[j * size + i] = sum
            }
        }
        return result
    }

    /// The unit eigenvector of the largest eigenvalue of a symmetric positive semi-definite matrix
    /// (any unit vector when it is zero).
    static func leadingEigenvector(_ matrix: [Double]) -> [Double] {
        let n = Int(Double(matrix.count).squareRoot())
        var power = matrix
        for _ in 0..<30 {
            let trace = (0..<n).reduce(0.0) { $0 + power[$1 * n + $1] }
            guard trace > 0, trace.isFinite else { break }
            power = power.map { $0 / trace }
            // With trace 1, the squared Frobenius norm is 1 exactly when one eigenvalue remains.
            if 1 - power.reduce(0, { $0 + $1 * $1 }) < 1e-13 { break }
            var squared = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for k in 0..<n where power[i * n + k] != 0 {
                    let factor = power[i * n + k]
                    for j in 0..<n { squared[i * n + j] += factor * power[k * n + j] }
                }
            }
            power = squared
        }
        // A high power is close to λ₁ⁿ v vᵀ: its column with the largest diagonal entry points along v.
        let column = (0..<n).max { power[$0 * n + $0] < power[$1 * n + $1] } ?? 0
        var vector = normalized((0..<n).map { power[$0 * n + column] }) ?? [1] + [Double](repeating: 0, count: n - 1)
        for _ in 0..<3 {
            let next = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + matrix[i * n + $1] * vector[$1] } }
            guard let unit = normalized(next) else { break }
            vector = unit
        }
        return vector
    }

    private static func normalized(_ vector: [Double]) -> [Double]? {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}
