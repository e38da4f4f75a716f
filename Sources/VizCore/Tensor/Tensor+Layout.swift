/// How a tensor's scalars are ordered in memory. Its `shape` is always the logical NHWC (or other
/// Keras-order) shape; only the storage order differs.
///
/// oneDNN's convolutions run about twice as fast on channel-blocked activations (`nChw8c` on AVX2,
/// `nChw16c` on AVX-512: for each image, each group of `block` channels is stored as its own
/// H×W×block plane) as on NHWC. The graph keeps activations blocked between ops that handle it
/// (`Op.handlesChannelBlocks`) and converts at every other boundary, so plugins and every other op
/// only ever see the standard order.
public enum TensorLayout: Hashable, Sendable {
    /// Row-major in the order of `shape`.
    case standard
    /// A rank-4 NHWC tensor stored as N × (C / block) × H × W × block; `C` is a multiple of `block`.
    case channelBlocks(Int)
}

extension Tensor {
    /// The same values in the standard order (a copy only when the layout differs).
    public func standardized() -> Tensor {
        relaidOut(.standard)
    }

    /// The same values stored in `target` order.
    func relaidOut(_ target: TensorLayout) -> Tensor {
        if layout == target { return self }
        if !hasScalars {
            var relabelled = self
            relabelled.layout = target
            return relabelled
        }
        switch (layout, target) {
        case (.channelBlocks(let block), .standard):
            return Tensor(shape: shape, layout: .standard) { out in
                scalars.withUnsafeBufferPointer {
                    Self.copyPlanes($0.baseAddress!, out.baseAddress!, shape: shape, block: block, intoBlocks: false)
                }
            }
        case (.standard, .channelBlocks(let block)):
            return Tensor(shape: shape, layout: target) { out in
                scalars.withUnsafeBufferPointer {
                    Self.copyPlanes($0.baseAddress!, out.baseAddress!, shape: shape, block: block, intoBlocks: true)
                }
            }
        case (.channelBlocks, .channelBlocks):
            return standardized().relaidOut(target)
        case (.standard, .standard):
            return self
        }
    }

    /// The shape and layout alone: what a trace holds of a value no backward step reads (`GradientReads`).
    var withoutScalars: Tensor {
        var shell = self
        shell.scalars = []
        return shell
    }

    /// False for `withoutScalars`'s shells (of tensors that have any scalars).
    var hasScalars: Bool { scalars.count == shape.reduce(1, *) }

    /// Whether `layout` can hold this tensor's shape.
    static func canHold(_ shape: [Int], in layout: TensorLayout) -> Bool {
        switch layout {
        case .standard: return true
        case .channelBlocks(let block): return shape.count == 4 && block > 0 && shape[3] % block == 0
        }
    }

    /// The shape a per-channel NHWC kernel (pooling, elementwise maps) sees when it runs on the
    /// tensor's storage as it is: each block of channels becomes an image of `block` channels.
    var storageShape: [Int] {
        switch layout {
        case .standard: return shape
        case .channelBlocks(let block): return [shape[0] * shape[3] / block, shape[1], shape[2], block]
        }
    }

    // MARK: - Reordering

    /// One (image, channel block) plane per task: its H·W runs of `block` scalars move between their
    /// places in the NHWC rows (`channels` apart) and their places in the plane (`block` apart).
    private static func copyPlanes(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
        shape: [Int], block: Int, intoBlocks: Bool
    ) {
        let (batch, pixels, channels) = (shape[0], shape[1] * shape[2], shape[3])
        let blocks = channels / block
        Parallelism.forEach(batch * blocks) { plane in
            let (n, b) = (plane / blocks, plane % blocks)
            let rowsStart = n * pixels * channels + b * block
            let planeStart = plane * pixels * block
            var from = source + (intoBlocks ? rowsStart : planeStart)
            var to = target + (intoBlocks ? planeStart : rowsStart)
            let (fromStep, toStep) = intoBlocks ? (channels, block) : (block, channels)
            for _ in 0..<pixels {
                to.update(from: from, count: block)
                from += fromStep
                to += toStep
            }
        }
    }
}
