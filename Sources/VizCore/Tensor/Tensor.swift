/// A dense Float32 array in row-major order. Images and feature maps are NHWC, Keras's order.
///
/// Value semantics come from the `[Float]` storage: copies are cheap until one side writes.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]
    /// Always `.standard` outside the engine (see `TensorLayout`).
    public internal(set) var layout = TensorLayout.standard

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor whose every scalar `initialize` writes, without a zero-fill pass first.
    init(
        shape: [Int], layout: TensorLayout = .standard,
        initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        precondition(Self.canHold(shape, in: layout), "layout \(layout) cannot hold shape \(shape)")
        let count = shape.reduce(1, *)
        self.shape = shape
        self.layout = layout
        scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialize(buffer)
            initialized = count
        }
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same scalars seen with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(layout == .standard, "reshaping a channel-blocked tensor")
        precondition(newShape.reduce(1, *) == shape.reduce(1, *), "reshaping \(shape) to \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    /// The tensor with its axes reordered: axis `i` of the result is axis `axes[i]` of `self`
    /// (NumPy's `transpose`).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(layout == .standard, "permuting a channel-blocked tensor")
        return Transpose.apply(self, axes)
    }

    /// Item `index` of the leading (batch) axis, keeping that axis with size 1.
    public func batchItem(_ index: Int) -> Tensor {
        precondition(layout == .standard, "slicing a channel-blocked tensor")
        let itemSize = count / shape[0]
        let start = index * itemSize
        return Tensor(shape: [1] + shape.dropFirst(), scalars: Array(scalars[start..<(start + itemSize)]))
    }

    /// Tensors whose items have equal shapes joined along their leading (batch) axis.
    public static func concatenatingBatches(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        precondition(parts.allSatisfy { $0.layout == .standard }, "joining channel-blocked tensors")
        let itemShape = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == itemShape }, "batch items differ in shape")
        var scalars = [Float]()
        scalars.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { scalars.append(contentsOf: part.scalars) }
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + itemShape, scalars: scalars)
    }

    public var maxAbs: Float { scalars.reduce(0) { max($0, abs($1)) } }
}
