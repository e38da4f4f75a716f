/// Adds a bias over the last axis: shared by convolution and dense.
enum BiasAdd {
    static func add(_ bias: [Float], to tensor: inout Tensor) {
        let width = bias.count
        let rows = tensor.count / width
        bias.withUnsafeBufferPointer { b in
            tensor.scalars.withUnsafeMutableBufferPointer { y in
                let y = y
                let chunk = 4096
                Parallelism.forEach((rows + chunk - 1) / chunk) { index in
                    for row in (index * chunk)..<min(rows, (index + 1) * chunk) {
                        let target = y.baseAddress! + row * width
                        for j in 0..<width { target[j] += b[j] }
                    }
                }
            }
        }
    }
}
