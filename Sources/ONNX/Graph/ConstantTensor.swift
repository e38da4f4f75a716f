import VizCore

/// A tensor whose values are known when the model loads: an initializer, a `Constant` node, or
/// anything computed from them alone. Shapes are ONNX's, in ONNX's axis order.
struct ConstantTensor: Equatable {
    enum Values: Equatable {
        case floats([Float])
        /// Every integer and boolean type, widened.
        case integers([Int64])
    }

    var shape: [Int]
    var values: Values

    init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    init(shape: [Int], floats: [Float]) { self.init(shape: shape, values: .floats(floats)) }
    init(shape: [Int], integers: [Int64]) { self.init(shape: shape, values: .integers(integers)) }

    var count: Int {
        switch values {
        case .floats(let values): return values.count
        case .integers(let values): return values.count
        }
    }

    /// How many values a shape holds, or nil when a size is negative or the product overflows.
    static func count(of shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    var isInteger: Bool { if case .integers = values { return true } else { return false } }

    var floats: [Float] {
        switch values {
        case .floats(let values): return values
        case .integers(let values): return values.map { Float($0) }
        }
    }

    /// Integers as ONNX casts floats to them: toward zero, saturating at the ends of the range.
    var integers: [Int64] {
        switch values {
        case .integers(let values): return values
        case .floats(let values):
            return values.map { $0.isNaN ? 0 : Int64(exactly: $0.rounded(.towardZero)) ?? ($0 < 0 ? .min : .max) }
        }
    }

    /// The values as an engine tensor of the same shape (row-major, ONNX order).
    var tensor: Tensor { Tensor(shape: shape, scalars: floats) }

    /// The same values, this shape (of equal size).
    func reshaped(_ shape: [Int]) -> ConstantTensor { ConstantTensor(shape: shape, values: values) }

    /// The sub-tensor taking, along each axis, the listed positions (row-major, in that order).
    func picking(_ positions: [[Int]]) -> ConstantTensor {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        var flat = [0]
        for (axis, picked) in positions.enumerated() {
            flat = flat.flatMap { base in picked.map { base + $0 * strides[axis] } }
        }
        return gathered(flat, shape: positions.map(\.count))
    }

    /// Axis `i` of the result is axis `permutation[i]` of this tensor.
    func transposed(_ permutation: [Int]) -> ConstantTensor {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        var flat = [0]
        for axis in permutation {
            flat = flat.flatMap { base in (0..<shape[axis]).map { base + $0 * strides[axis] } }
        }
        return gathered(flat, shape: permutation.map { shape[$0] })
    }

    /// The values at `indices` (flat, row-major), in that order, with the given shape.
    func gathered(_ indices: [Int], shape: [Int]) -> ConstantTensor {
        switch values {
        case .floats(let values): return ConstantTensor(shape: shape, floats: indices.map { values[$0] })
        case .integers(let values): return ConstantTensor(shape: shape, integers: indices.map { values[$0] })
        }
    }
}
