/// NumPy broadcasting of constants, for arithmetic folded at load time and for constant operands
/// of run-time arithmetic.
extension ConstantTensor {
    /// The shape two shapes broadcast to, or nil when they do not.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let a = Array(repeating: 1, count: rank - a.count) + a
        let b = Array(repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in zip(a, b) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(x == 1 ? y : x)
        }
        return shape
    }

    /// The tensor repeated along its size-1 (and missing leading) axes to `shape`.
    func broadcast(to shape: [Int]) -> ConstantTensor {
        let padded = Array(repeating: 1, count: shape.count - self.shape.count) + self.shape
        if padded == shape { return reshaped(shape) }
        var strides = [Int](repeating: 0, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = padded[axis] == 1 ? 0 : stride
            stride *= padded[axis]
        }
        let indices = (0..<shape.reduce(1, *)).map { flat -> Int in
            var rest = flat
            var source = 0
            for axis in shape.indices.reversed() {
                source += (rest % shape[axis]) * strides[axis]
                rest /= shape[axis]
            }
            return source
        }
        return gathered(indices, shape: shape)
    }

    enum Arithmetic: String {
        case add = "Add"
        case subtract = "Sub"
        case multiply = "Mul"
        case divide = "Div"
    }

    /// The most values a constant computed at load time may have (64 M), so a file cannot make
    /// vizrun allocate without bound.
    static let largestComputed = 1 << 26

    /// `a ∘ b` elementwise with broadcasting; integers stay integers (division truncates, as ONNX's
    /// does). Nil when the shapes do not broadcast, the result is too large or integers divide by 0.
    static func combine(_ a: ConstantTensor, _ b: ConstantTensor, _ operation: Arithmetic) -> ConstantTensor? {
        guard let shape = broadcastShape(a.shape, b.shape), let count = count(of: shape), count <= largestComputed else {
            return nil
        }
        let (x, y) = (a.broadcast(to: shape), b.broadcast(to: shape))
        if a.isInteger, b.isInteger {
            let (p, q) = (x.integers, y.integers)
            guard operation != .divide || !q.contains(0) else { return nil }
            return ConstantTensor(
                shape: shape,
                integers: zip(p, q).map { l, r in
                    switch operation {
                    case .add: return l &+ r
                    case .subtract: return l &- r
                    case .multiply: return l &* r
                    case .divide: return l.dividedReportingOverflow(by: r).partialValue
                    }
                })
        }
        return ConstantTensor(
            shape: shape,
            floats: zip(x.floats, y.floats).map { l, r in
                switch operation {
                case .add: return l + r
                case .subtract: return l - r
                case .multiply: return l * r
                case .divide: return l / r
                }
            })
    }
}
