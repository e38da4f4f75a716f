import VizCore
import VizImage

/// Intermediate activations, as Deep Learning with Python 5.4.1 draws them: per layer, a grid of
/// every channel standardised to `(x − mean) / std · 64 + 128`, coloured with viridis.
///
/// Departures from the book, both deliberate: leftover channels fill a last partial row instead of
/// being dropped, and a constant channel is flat grey instead of NaN.
public final class ActivationsVisualizer: Visualizer {
    public static let name = "activations"
    public static let summary = "per-layer feature-map grids, single channels and raw activations (DLwP 5.4.1)"
    public static let roles = [grid, activation, channel, ChannelMeansAggregate.role]
    static let grid = ArtifactRole("grid", title: "activation grid", prominence: .wide)
    static let activation = ArtifactRole("activation", title: "activation")
    static let channel = ArtifactRole("channel", title: "single channel")

    public static func makeAggregate() -> RunAggregate? { ChannelMeansAggregate() }

    private var options = ActivationsOptions()

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try ActivationsOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        let model = context.model
        let targets = options.layers.map(\.outputNode)
        // The runner hands over one batch (`input.batch_size`) at a time: it goes through the network as one.
        for batch in RunInput.batches(context.inputs, size: max(context.inputs.count, 1)) {
            let outputs = try model.graph.evaluate([RunInput.tensor(of: batch)], targets: targets)
            let layers = options.layers.filter { outputs[$0.outputNode] != nil }
            for layer in layers {
                let shape = outputs[layer.outputNode]!.shape
                if shape.count == 4, let channel = options.channels.first(where: { $0 >= shape[3] }),
                    let node = options.channelsNode
                {
                    throw node.error("channel \(channel) is out of range: layer '\(layer.name)' has \(shape[3]) channels")
                }
            }
            for (item, input) in batch.enumerated() {
                // After the pass, drawing is most of the work: layers are drawn on all cores, then
                // handed to the sink in order.
                var renderings = [Rendering?](repeating: nil, count: layers.count)
                renderings.withUnsafeMutableBufferPointer { slots in
                    Parallelism.forEach(layers.count) { index in
                        slots[index] = render(outputs[layers[index].outputNode]!.batchItem(item), layer: layers[index])
                    }
                }
                for (layer, rendering) in zip(layers, renderings) {
                    try emit(rendering!, layer: layer, input: input, sink: context.sink)
                }
            }
        }
    }

    /// One layer's output for one input, drawn.
    private struct Rendering {
        var activation: Tensor
        var stats: LayerStats
        var grid: Bitmap?
        /// The requested channels.
        var channels: [(index: Int, bitmap: Bitmap)] = []
    }

    private func render(_ activation: Tensor, layer: Model.Layer) -> Rendering {
        var rendering = Rendering(activation: activation, stats: LayerStats(layerClass: layer.className, output: activation))
        guard activation.rank == 4 else { return rendering }
        let (height, width) = (activation.shape[1], activation.shape[2])
        let grid = ActivationGrid.grey(activation, imagesPerRow: options.imagesPerRow, margin: options.margin)
        rendering.grid = options.colormap.apply(to: grid)
        rendering.channels = options.channels.map { channel in
            let map = FeatureMap.minMaxScaled(activation, channel: channel)
            return (channel, options.colormap.apply(to: Bitmap(width: width, height: height, channels: 1, pixels: map)))
        }
        return rendering
    }

    private func emit(_ rendering: Rendering, layer: Model.Layer, input: RunInput, sink: ArtifactSink) throws {
        let folder = [input.id, layer.name]
        let stats = rendering.stats
        try sink.add(
            Artifact(role: Self.activation.name, name: folder, input: input.id, layer: layer.name, stats: stats),
            array: rendering.activation)
        guard let grid = rendering.grid else { return }
        try sink.add(
            Artifact(role: Self.grid.name, name: folder + ["grid"], input: input.id, layer: layer.name, stats: stats),
            image: grid)
        for (channel, bitmap) in rendering.channels {
            try sink.add(
                Artifact(
                    role: Self.channel.name, name: folder + ["channel_\(channel)"], input: input.id,
                    layer: layer.name, channel: channel), image: bitmap)
        }
    }
}

/// A layer's channels side by side, as the book lays them out: `imagesPerRow` per row, a last
/// partial row for the leftovers, empty tiles at 0.
enum ActivationGrid {
    static func grey(_ activation: Tensor, imagesPerRow: Int, margin: Int) -> Bitmap {
        let (height, width, channels) = (activation.shape[1], activation.shape[2], activation.shape[3])
        let tiles = (0..<channels).map { channel in
            Bitmap(width: width, height: height, channels: 1, pixels: FeatureMap.standardized(activation, channel: channel))
        }
        return Bitmap.grid(tiles: tiles, columns: min(imagesPerRow, channels), margin: margin, background: 0)
    }
}

/// One channel of an NHWC activation (batch item 0) turned into 8-bit grey levels.
enum FeatureMap {
    /// The book's display rule, `clip((x − mean) / std · 64 + 128, 0, 255)`; a constant channel is 128.
    static func standardized(_ activation: Tensor, channel: Int) -> [UInt8] {
        let values = extract(activation, channel: channel)
        let count = Float(values.count)
        let mean = values.reduce(0, +) / count
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        let std = variance.squareRoot()
        guard std > 0, std.isFinite else { return [UInt8](repeating: 128, count: values.count) }
        return values.map { quantize(($0 - mean) / std * 64 + 128) }
    }

    /// `matshow`'s rule: the channel's own minimum to maximum over 0…255; a constant channel is 128.
    static func minMaxScaled(_ activation: Tensor, channel: Int) -> [UInt8] {
        let values = extract(activation, channel: channel)
        let low = values.min() ?? 0
        let high = values.max() ?? 0
        guard high > low else { return [UInt8](repeating: 128, count: values.count) }
        return values.map { quantize(($0 - low) / (high - low) * 255) }
    }

    /// NumPy's `np.clip(x, 0, 255).astype('uint8')`: clip, then truncate toward zero.
    private static func quantize(_ value: Float) -> UInt8 {
        UInt8(min(max(value, 0), 255))
    }

    private static func extract(_ activation: Tensor, channel: Int) -> [Float] {
        let channels = activation.shape[3]
        let pixels = activation.shape[1] * activation.shape[2]
        return activation.scalars.withUnsafeBufferPointer { buffer in
            (0..<pixels).map { buffer[$0 * channels + channel] }
        }
    }
}
