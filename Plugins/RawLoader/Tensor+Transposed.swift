import VizCore

extension Tensor {
    /// The tensor with its axes reordered: axis `i` of `self` becomes axis `axes[i]` of the result
    /// (so `[3, 2, 0, 1]` turns an (out, in, H, W) kernel into (H, W, in, out)).
    func transposed(movingAxesTo axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "\(axes) is not a permutation of \(rank) axes")
        var order = axes
        for (axis, target) in axes.enumerated() { order[target] = axis }
        return permuted(order)
    }
}
