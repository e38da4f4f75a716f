/// The offset of a row-major walk over `shape` in a buffer laid out by `strides`: each step moves
/// to the next index (the last axis fastest) like an odometer, and the offset follows.
struct StridedOffset {
    private(set) var offset = 0
    private var index: [Int]
    private let shape: [Int]
    private let strides: [Int]

    init(shape: [Int], strides: [Int]) {
        self.shape = shape
        self.strides = strides
        index = [Int](repeating: 0, count: shape.count)
    }

    mutating func advance() {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < shape[axis] { return }
            offset -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}
