import VizCore
import VizImage

/// Per-channel statistics of layer outputs, for each input: which channels fire, how strongly, how
/// often. Each layer gets a table (channels × `ChannelStatistics.columns`) as an array and a chart
/// of one column as an image; over many inputs, each layer's tables averaged (`ChannelStatsSummary`).
public final class ChannelStatsVisualizer: Visualizer {
    public static let name = "channel_stats"
    public static let summary = "per-channel mean, std, min, max and fraction active of layer outputs (table + chart)"
    public static let roles = [chart, table, ChannelStatsSummary.role]
    static let table = ArtifactRole("channel_stats", title: "channel statistics")
    static let chart = ArtifactRole("chart", title: "channel statistics chart", prominence: .leading)

    public static func makeAggregate() -> RunAggregate? { ChannelStatsSummary() }

    private var options = ChannelStatsOptions()

    public init() {}

    public func configure(_ mapping: ConfigMapping, model: Model) throws {
        options = try ChannelStatsOptions(mapping, model: model)
    }

    public func run(_ context: RunContext) throws {
        let targets = options.layers.map(\.outputNode)
        let chartColumn = ChannelStatistics.columns.firstIndex(of: options.chart)!
        for input in context.inputs {
            let outputs = try context.model.graph.evaluate([input.tensor], targets: targets)
            for layer in options.layers {
                guard let activation = outputs[layer.outputNode] else { continue }
                let table = ChannelStatistics.table(activation)
                let folder = [input.id, layer.name]
                try context.sink.add(
                    Artifact(
                        role: Self.table.name, name: folder + ["stats"], input: input.id,
                        layer: layer.name), array: table)
                let values = stride(from: chartColumn, to: table.count, by: ChannelStatistics.columns.count)
                    .map { table.scalars[$0] }
                try context.sink.add(
                    Artifact(
                        role: Self.chart.name, name: folder + [options.chart], input: input.id,
                        layer: layer.name),
                    image: ChannelStatistics.strip(
                        values, bandWidth: options.barWidth,
                        height: options.chartHeight))
            }
        }
    }
}

// MARK: - Statistics

public enum ChannelStatistics {
    /// The table's columns, in order; also the names `chart:` accepts.
    public static let columns = ["mean", "std", "min", "max", "active"]

    /// One row per channel (the last axis) over every other position of a one-item batch:
    /// mean, population standard deviation, minimum, maximum, and the fraction of values above 0.
    public static func table(_ activation: Tensor) -> Tensor {
        let channels = activation.shape.last ?? 1
        let positions = activation.count / channels
        var rows: [Float] = []
        rows.reserveCapacity(channels * columns.count)
        activation.scalars.withUnsafeBufferPointer { values in
            for channel in 0..<channels {
                var sum: Double = 0
                var squares: Double = 0
                var active = 0
                var low = Float.infinity
                var high = -Float.infinity
                for position in 0..<positions {
                    let value = values[position * channels + channel]
                    sum += Double(value)
                    squares += Double(value) * Double(value)
                    low = min(low, value)
                    high = max(high, value)
                    if value > 0 { active += 1 }
                }
                let mean = sum / Double(positions)
                let variance = max(squares / Double(positions) - mean * mean, 0)
                rows += [Float(mean), Float(variance.squareRoot()), low, high, Float(active) / Float(positions)]
            }
        }
        return Tensor(shape: [channels, columns.count], scalars: rows)
    }

    /// One column of the table as a strip of colours, a band `bandWidth` pixels wide per channel,
    /// the column's smallest value darkest and its largest brightest (viridis), drawn with vizrun's
    /// own colormaps and resizing.
    public static func strip(_ values: [Float], bandWidth: Int, height: Int) -> Bitmap {
        let finite = values.isEmpty ? [0] : values.map { $0.isFinite ? $0 : 0 }
        let (low, high) = (finite.min()!, finite.max()!)
        let levels = finite.map { high > low ? UInt8((($0 - low) / (high - low) * 255).rounded()) : 128 }
        return Colormap.named("viridis")!.apply(to: levels, width: levels.count, height: 1)
            .resized(width: levels.count * bandWidth, height: height)
    }
}
