import VizCore

extension Tensor {
    /// The tensor with its axes reordered: axis `i` of `self` becomes axis `axes[i]` of the result
    /// (so `[3, 2, 0, 1]` turns an (out, in, H, W) kernel into (H, W, in, out)). Reads `self` once
    /// in order and writes each value straight to its place.
    func transposed(movingAxesTo axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "\(axes) is not a permutation of \(rank) axes")
        var resultShape = shape
        for (axis, target) in axes.enumerated() { resultShape[target] = shape[axis] }
        var resultStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            resultStrides[axis] = resultStrides[axis + 1] * resultShape[axis + 1]
        }
        // How far the write position moves per step along each of self's axes.
        let steps = axes.map { resultStrides[$0] }
        var result = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        var target = 0
        for value in scalars {
            result[target] = value
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                target += steps[axis]
                if index[axis] < shape[axis] { break }
                target -= steps[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: resultShape, scalars: result)
    }
}
