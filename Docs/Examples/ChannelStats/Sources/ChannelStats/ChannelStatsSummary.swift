import Foundation
import VizCore

/// The aggregate of a `channel_stats` run over many inputs: each layer's statistics tables averaged
/// over the inputs, read back from the tables the run wrote (so it needs `output.arrays`), written
/// as `<layer>/channel_stats.npy` and shown in the report as the share of inputs each channel fires in.
final class ChannelStatsSummary: RunAggregate {
    static let role = ArtifactRole("channel_stats_summary", title: "channel statistics averaged over the inputs",
                                   summarizesInputs: true)

    private var layers: [String] = []
    /// Per layer: the sum of the tables and how many inputs it holds.
    private var sums: [String: (sum: Tensor, count: Int)] = [:]
    /// The tables to read when the aggregate writes: their files are in place only then.
    private var pending: [(layer: String, path: String)] = []

    func add(_ results: InputResults) {
        for table in results.artifacts where table.role == ChannelStatsVisualizer.table.name && table.kind == "array" {
            guard let layer = table.layer else { continue }
            pending.append((layer, table.path))
        }
    }

    func write(to output: AggregateOutput) throws {
        for (layer, path) in pending {
            let table = try Tensor(npyFileAt: output.file(at: path).path)
            guard let current = sums[layer] else {
                layers.append(layer)
                sums[layer] = (table, 1)
                continue
            }
            guard current.sum.shape == table.shape else {
                throw VizError("the tables of layer '\(layer)' differ in shape between inputs", at: path)
            }
            sums[layer] = (Tensor(shape: table.shape, scalars: zip(current.sum.scalars, table.scalars).map(+)), current.count + 1)
        }
        for layer in layers {
            guard let (sum, count) = sums[layer], count > 1 else { continue }
            let mean = Tensor(shape: sum.shape, scalars: sum.scalars.map { $0 / Float(count) })
            try output.add(Artifact(role: Self.role.name, name: [layer, "channel_stats"], layer: layer), array: mean)
            let columns = ChannelStatistics.columns.count
            let active = stride(from: ChannelStatistics.columns.firstIndex(of: "active")!, to: mean.count, by: columns)
                .map { mean.scalars[$0] }
            output.add(ReportTable(layer: layer, summary: "Share of positions active per channel, averaged over \(count) inputs",
                                   columns: ["Channel", "Active"],
                                   rows: active.enumerated().map { ["\($0)", ReportTable.number($1)] }, bars: active))
        }
    }
}
