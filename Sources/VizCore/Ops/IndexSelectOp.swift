/// Keeps, along each item axis, the listed positions in their order (ONNX `Slice` with any steps,
/// `Gather` with constant indices, each part of `Split`): the engine's form of NumPy indexing by
/// one list per axis. A position listed twice is copied twice, and its gradient is the sum.
public final class IndexSelectOp: Op {
    public let kind: String
    /// For each item axis (the batch axis excluded), the positions kept, or nil to keep it whole.
    public let positions: [[Int]?]

    public init(positions: [[Int]?], kind: String) {
        self.positions = positions
        self.kind = kind
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind, rank: positions.count + 1)
        for (size, picked) in zip(shape.dropFirst(), positions) {
            guard let picked else { continue }
            guard !picked.isEmpty else { throw VizError("\(kind) keeps nothing of \(ShapeCheck.describe(shape))") }
            if size >= 0, let outside = picked.first(where: { $0 < 0 || $0 >= size }) {
                throw VizError("\(kind) takes position \(outside) of an axis of \(size) in \(ShapeCheck.describe(shape))")
            }
        }
        return selected(shape)
    }

    private func selected(_ shape: [Int]) -> [Int] {
        [shape[0]] + zip(shape.dropFirst(), positions).map { size, picked in picked?.count ?? size }
    }

    /// The offset in an item of every block to copy, in output order, and the block's length: the
    /// trailing axes kept whole are one contiguous block.
    private func blocks(_ shape: [Int]) -> (offsets: [Int], length: Int) {
        var firstWhole = shape.count
        while firstWhole > 1, positions[firstWhole - 2] == nil { firstWhole -= 1 }
        let length = shape[firstWhole...].reduce(1, *)
        var strides = [Int](repeating: 0, count: shape.count)
        var step = length
        for axis in stride(from: firstWhole - 1, through: 1, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        var offsets = [0]
        for axis in 1..<firstWhole {
            let picked = positions[axis - 1] ?? Array(0..<shape[axis])
            offsets = offsets.flatMap { base in picked.map { base + $0 * strides[axis] } }
        }
        return (offsets, length)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let (offsets, length) = blocks(x.shape)
        let itemSize = x.shape.dropFirst().reduce(1, *)
        return Tensor(shape: selected(x.shape)) { out in
            x.scalars.withUnsafeBufferPointer { input in
                var target = out.baseAddress!
                for n in 0..<x.shape[0] {
                    for offset in offsets {
                        target.update(from: input.baseAddress! + n * itemSize + offset, count: length)
                        target += length
                    }
                }
            }
        }
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let shape = inputs[0].shape
        let (offsets, length) = blocks(shape)
        let itemSize = shape.dropFirst().reduce(1, *)
        var dx = Tensor(zeros: shape)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            dx.scalars.withUnsafeMutableBufferPointer { dx in
                var source = dy.baseAddress!
                for n in 0..<shape[0] {
                    for offset in offsets {
                        let target = dx.baseAddress! + n * itemSize + offset
                        for i in 0..<length { target[i] += source[i] }
                        source += length
                    }
                }
            }
        }
        return [dx]
    }
}
