/// Per-item parameters (scale, offset, slopes) broadcast over the items of a batch.
enum Broadcast {
    /// Whether a parameter of `parameterShape` (the item's rank, each size 1 or the item's) fits
    /// items of `itemShape`; `-1` in the item shape (unknown) accepts any size.
    static func fits(_ parameterShape: [Int], item itemShape: [Int]) -> Bool {
        parameterShape.count == itemShape.count
            && zip(parameterShape, itemShape).allSatisfy { $0 == 1 || $1 < 0 || $0 == $1 }
    }

    /// The parameter repeated over its size-1 axes to one value per item element, row-major.
    static func expand(_ parameter: Tensor, toItem itemShape: [Int]) -> [Float] {
        let count = itemShape.reduce(1, *)
        guard parameter.shape != itemShape else { return parameter.scalars }
        // Stride of each item axis in the parameter, 0 where the parameter has size 1.
        var strides = [Int](repeating: 0, count: itemShape.count)
        var stride = 1
        for axis in itemShape.indices.reversed() {
            strides[axis] = parameter.shape[axis] == 1 ? 0 : stride
            stride *= parameter.shape[axis]
        }
        var expanded = [Float](repeating: 0, count: count)
        for index in 0..<count {
            var rest = index
            var source = 0
            for axis in itemShape.indices.reversed() {
                source += (rest % itemShape[axis]) * strides[axis]
                rest /= itemShape[axis]
            }
            expanded[index] = parameter.scalars[source]
        }
        return expanded
    }

    /// The transpose of `expand`: `values` summed over the axes where `itemShape` has size 1
    /// (what the gradient of a broadcast parameter or input is).
    static func sum(_ values: Tensor, toItem itemShape: [Int]) -> Tensor {
        var strides = [Int](repeating: 0, count: itemShape.count)
        var stride = 1
        for axis in itemShape.indices.reversed() {
            strides[axis] = itemShape[axis] == 1 ? 0 : stride
            stride *= itemShape[axis]
        }
        var summed = Tensor(zeros: itemShape)
        for index in values.scalars.indices {
            var rest = index
            var target = 0
            for axis in itemShape.indices.reversed() {
                target += (rest % values.shape[axis]) * strides[axis]
                rest /= values.shape[axis]
            }
            summed.scalars[target] += values.scalars[index]
        }
        return summed
    }
}
