import VizCore

/// Per-channel statistics of layer outputs, for each input: which channels fire, how strongly, how
/// often. Each layer gets a table (channels × `ChannelStatistics.columns`) as an array and a bar
/// chart of one column as an image.
public final class ChannelStatsVisualizer: Visualizer {
    public static let name = "channel_stats"
    public static let summary = "per-channel mean, std, min, max and fraction active of layer outputs (table + bar chart)"

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
                try context.sink.add(Artifact(role: "channel_stats", name: folder + ["stats"], input: input.id,
                                              layer: layer.name), array: table)
                let values = stride(from: chartColumn, to: table.count, by: ChannelStatistics.columns.count)
                    .map { table.scalars[$0] }
                try context.sink.add(Artifact(role: "chart", name: folder + [options.chart], input: input.id,
                                              layer: layer.name),
                                     image: BarChart.draw(values, barWidth: options.barWidth, height: options.chartHeight))
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
                var sum: Double = 0, squares: Double = 0, active = 0
                var low = Float.infinity, high = -Float.infinity
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
}
