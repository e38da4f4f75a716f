/// `x · scale + offset` with per-item parameters broadcast over the batch: inference-time
/// `BatchNormalization`, `Rescaling` and `Normalization`, whose statistics fold into a scale and an
/// offset when the layer is built.
public final class AffineOp: Op {
    public let kind: String
    /// The item's rank (no batch axis); each size 1 or the item's.
    public let scale: Tensor
    public let offset: Tensor

    public init(scale: Tensor, offset: Tensor, kind: String) {
        precondition(scale.rank == offset.rank, "scale and offset must have the same rank")
        self.scale = scale
        self.offset = offset
        self.kind = kind
    }

    /// Inference batch normalisation, `(x − mean) / √(variance + ε) · γ + β`, along the axes where
    /// the statistics (shaped like `scale`) are not 1; `gamma`/`beta` nil when `scale`/`center` is off.
    public static func batchNormalization(
        mean: Tensor, variance: Tensor, gamma: Tensor?, beta: Tensor?,
        epsilon: Float
    ) -> AffineOp {
        var scale = variance
        var offset = mean
        for i in scale.scalars.indices {
            let a = (gamma?.scalars[i] ?? 1) / (variance.scalars[i] + epsilon).squareRoot()
            scale.scalars[i] = a
            offset.scalars[i] = (beta?.scalars[i] ?? 0) - mean.scalars[i] * a
        }
        return AffineOp(scale: scale, offset: offset, kind: "BatchNormalization")
    }

    public var parameterCount: Int { scale.count + offset.count }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        let item = Array(shape.dropFirst())
        guard Broadcast.fits(scale.shape, item: item), Broadcast.fits(offset.shape, item: item) else {
            throw VizError(
                "\(kind) parameters of shape \(ShapeCheck.describe(scale.shape)) do not fit input "
                    + ShapeCheck.describe(shape))
        }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        let item = Array(out.shape.dropFirst())
        let scale = Broadcast.expand(self.scale, toItem: item)
        let offset = Broadcast.expand(self.offset, toItem: item)
        let size = scale.count
        out.scalars.withUnsafeMutableBufferPointer { y in
            Elementwise.forEachChunk(y.count) { range in
                for i in range { y[i] = y[i] * scale[i % size] + offset[i % size] }
            }
        }
        return out
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        let scale = Broadcast.expand(self.scale, toItem: Array(dx.shape.dropFirst()))
        let size = scale.count
        dx.scalars.withUnsafeMutableBufferPointer { g in
            Elementwise.forEachChunk(g.count) { range in for i in range { g[i] *= scale[i % size] } }
        }
        return [dx]
    }
}
