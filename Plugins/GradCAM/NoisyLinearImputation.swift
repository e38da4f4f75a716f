import VizCore

/// ROAD's noisy linear imputation (Rong et al., 2022, as pytorch-grad-cam's `NoisyLinearImputer`):
/// every removed pixel takes the weighted mean of its in-bounds neighbours (1/6 beside, 1/12
/// diagonal), removed neighbours included, which makes one sparse linear system per channel;
/// then `noise · N(0, 1)` is added to it.
///
/// The tool solves the system directly (SuperLU); vizrun solves the same symmetric positive
/// definite system by conjugate gradients to a relative residual of 1e-10. Where a region of
/// removed pixels touches no kept one (every pixel removed) the tool's system is singular and its
/// solve gives NaN; vizrun fills such a region with 0.
struct NoisyLinearImputation {
    static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (1, 1, 1 / 12), (0, 1, 1 / 6), (-1, 1, 1 / 12), (1, -1, 1 / 12),
        (0, -1, 1 / 6), (-1, -1, 1 / 12), (1, 0, 1 / 6), (-1, 0, 1 / 6),
    ]

    let height: Int
    let width: Int
    let channels: Int

    /// `image` (H·W·C, channels last) with the pixels where `removed` is true imputed, plus
    /// `noise` (H·W·C standard normals, or nil for none) times `scale` there.
    func imputed(_ image: [Float], removed: [Bool], noise: [Float]?, scale: Float) -> [Float] {
        let unknowns = removed.indices.filter { removed[$0] }
        guard !unknowns.isEmpty else { return image }
        var variable = [Int](repeating: -1, count: removed.count)
        for (index, pixel) in unknowns.enumerated() { variable[pixel] = index }
        // The system row by row (compressed rows): each unknown's diagonal (its in-bounds
        // weights) and its removed neighbours; the kept ones go to the right side, per channel.
        var diagonal = [Double](repeating: 0, count: unknowns.count)
        var rowStarts = [Int](repeating: 0, count: unknowns.count + 1)
        var columns: [Int] = []
        var weights: [Double] = []
        var rightSides = [[Double]](repeating: [Double](repeating: 0, count: unknowns.count), count: channels)
        for (index, pixel) in unknowns.enumerated() {
            let (y, x) = (pixel / width, pixel % width)
            for (dy, dx, weight) in Self.neighbours {
                let (ny, nx) = (y + dy, x + dx)
                guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                diagonal[index] += weight
                let neighbour = ny * width + nx
                if removed[neighbour] {
                    columns.append(variable[neighbour])
                    weights.append(weight)
                } else {
                    for c in 0..<channels { rightSides[c][index] += weight * Double(image[neighbour * channels + c]) }
                }
            }
            rowStarts[index + 1] = columns.count
        }
        let system = System(diagonal: diagonal, rowStarts: rowStarts, columns: columns, weights: weights)
        var result = image
        for c in 0..<channels {
            let solution = system.solve(rightSides[c])
            for (index, pixel) in unknowns.enumerated() {
                let at = pixel * channels + c
                result[at] = Float(solution[index]) + (noise.map { scale * $0[at] } ?? 0)
            }
        }
        return result
    }

    /// `(D − W) x = b`, symmetric and positive definite where every region of unknowns touches a
    /// known pixel (and block-diagonal, so a region that touches none stays at 0).
    private struct System {
        let diagonal: [Double]
        let rowStarts: [Int]
        let columns: [Int]
        let weights: [Double]

        func multiply(_ vector: [Double], into result: inout [Double]) {
            for i in diagonal.indices {
                var value = diagonal[i] * vector[i]
                for k in rowStarts[i]..<rowStarts[i + 1] { value -= weights[k] * vector[columns[k]] }
                result[i] = value
            }
        }

        /// Conjugate gradients, Jacobi preconditioned, to a relative residual of 1e-10.
        func solve(_ rightSide: [Double]) -> [Double] {
            let count = diagonal.count
            // A lone pixel of a 1 × 1 image has no neighbour and a zero diagonal.
            let inverse = diagonal.map { $0 > 0 ? 1 / $0 : 1 }
            var solution = [Double](repeating: 0, count: count)
            var residual = rightSide
            var preconditioned = (0..<count).map { residual[$0] * inverse[$0] }
            var direction = preconditioned
            var product = [Double](repeating: 0, count: count)
            func dot(_ a: [Double], _ b: [Double]) -> Double {
                var sum = 0.0
                for i in 0..<count { sum += a[i] * b[i] }
                return sum
            }
            var rho = dot(residual, preconditioned)
            let limit = dot(rightSide, rightSide) * 1e-20
            var iterations = 0
            while dot(residual, residual) > limit, iterations < 10 * count + 10 {
                iterations += 1
                multiply(direction, into: &product)
                let curvature = dot(direction, product)
                guard curvature > 0 else { break }
                let step = rho / curvature
                for i in 0..<count {
                    solution[i] += step * direction[i]
                    residual[i] -= step * product[i]
                    preconditioned[i] = residual[i] * inverse[i]
                }
                let next = dot(residual, preconditioned)
                let ratio = next / rho
                for i in 0..<count { direction[i] = preconditioned[i] + ratio * direction[i] }
                rho = next
            }
            return solution
        }
    }
}
