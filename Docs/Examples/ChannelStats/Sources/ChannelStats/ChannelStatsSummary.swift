import Foundation
import VizCore

/// The aggregate of a `channel_stats` run over many inputs: each layer's statistics tables averaged
/// over the inputs, read back from the tables the run wrote (so it needs `output.arrays`), written
/// as `<layer>/channel_stats.npy`, shown in the report as the share of inputs each channel fires in,
/// and offered to later runs as the `channel_stats` results of each layer.
final class ChannelStatsSummary: RunAggregate {
    static let role = ArtifactRole(
        "channel_stats_summary", title: "channel statistics averaged over the inputs",
        summarizesInputs: true)
    /// The kind of result later runs ask for: `{from: RUN}` needing `.named(kind, items: layers)`.
    static let kind = "channel_stats"

    private var layers: [String] = []
    /// Per layer: the sum of the tables and how many inputs it holds.
    private var sums: [String: (sum: Tensor, count: Int)] = [:]

    func add(_ results: InputResults) throws {
        for table in results.artifacts where table.role == ChannelStatsVisualizer.table.name && table.kind == "array" {
            guard let layer = table.layer else { continue }
            let values = try Tensor(npyFileAt: results.file(of: table).path)
            guard let current = sums[layer] else {
                layers.append(layer)
                sums[layer] = (values, 1)
                continue
            }
            guard current.sum.shape == values.shape else {
                throw VizError("the tables of layer '\(layer)' differ in shape between inputs", at: table.path)
            }
            sums[layer] = (
                Tensor(shape: values.shape, scalars: zip(current.sum.scalars, values.scalars).map(+)),
                current.count + 1
            )
        }
    }

    /// Each layer's table averaged over the inputs so far.
    private var means: [(layer: String, table: Tensor, count: Int)] {
        layers.compactMap { layer in
            sums[layer].map {
                (
                    layer, Tensor(shape: $0.sum.shape, scalars: $0.sum.scalars.map { [count = $0.count] in $0 / Float(count) }),
                    $0.count
                )
            }
        }
    }

    func results(ofRun run: String) -> RunResults {
        RunResults(
            run: run, named: [Self.kind: Dictionary(means.map { ($0.layer, $0.table) }, uniquingKeysWith: { first, _ in first })])
    }

    func write(to output: AggregateOutput) throws {
        for (layer, mean, count) in means where count > 1 {
            try output.add(Artifact(role: Self.role.name, name: [layer, "channel_stats"], layer: layer), array: mean)
            let columns = ChannelStatistics.columns.count
            let active = stride(from: ChannelStatistics.columns.firstIndex(of: "active")!, to: mean.count, by: columns)
                .map { mean.scalars[$0] }
            output.add(
                ReportTable(
                    layer: layer, summary: "Share of positions active per channel, averaged over \(count) inputs",
                    columns: ["Channel", "Active"],
                    rows: active.enumerated().map { ["\($0)", ReportTable.number($1)] }, bars: active))
        }
    }
}
