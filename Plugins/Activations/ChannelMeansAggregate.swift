import VizCore

/// The aggregate of an activations run over many inputs: each layer's mean activation per channel,
/// averaged over the inputs, from the records' `stats.channel_means` alone. Later runs may use it
/// (`filters: {from: RUN, top: k}` picks a layer's most active channels). Memory holds one sum per
/// channel, however many inputs there are.
final class ChannelMeansAggregate: RunAggregate {
    static let role = ArtifactRole(
        "channel_means", title: "mean activation per channel over the inputs",
        summarizesInputs: true)

    private var layers: [String] = []
    /// Per layer: the sums, how many inputs they hold, and whether every input had as many channels.
    private var sums: [String: (sum: [Double], count: Int, consistent: Bool)] = [:]

    /// A layer's first artifact with channel means in the input's results counts.
    func add(_ results: InputResults) {
        var seen: Set<String> = []
        for artifact in results.artifacts {
            guard let layer = artifact.layer, let means = artifact.stats?.channelMeans, seen.insert(layer).inserted else {
                continue
            }
            guard var current = sums[layer] else {
                layers.append(layer)
                sums[layer] = (means.map(Double.init), 1, true)
                continue
            }
            if current.sum.count == means.count {
                for channel in means.indices { current.sum[channel] += Double(means[channel]) }
            } else {
                current.consistent = false
            }
            current.count += 1
            sums[layer] = current
        }
    }

    /// Every layer seen, in order of first appearance, whose inputs all had as many channels.
    private var means: [(layer: String, means: [Float], inputCount: Int)] {
        layers.compactMap { layer in
            guard let (sum, count, consistent) = sums[layer], consistent else { return nil }
            return (layer, sum.map { Float($0 / Double(count)) }, count)
        }
    }

    func results(ofRun run: String) -> RunResults {
        RunResults(
            run: run, channelMeans: Dictionary(means.map { ($0.layer, $0.means) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Each layer averaged over two inputs or more, as `<layer>/channel_means.npy` of shape
    /// (channels,), the same as a `.csv` table, and a table in the report with a bar per channel.
    func write(to output: AggregateOutput) throws {
        for (layer, means, inputCount) in means where inputCount > 1 {
            let artifact = Artifact(role: Self.role.name, name: [layer, "channel_means"], layer: layer)
            try output.add(artifact, array: Tensor(shape: [means.count], scalars: means))
            try output.add(artifact, csv: [["channel", "mean"]] + means.enumerated().map { ["\($0)", "\($1)"] })
            output.add(
                ReportTable(
                    layer: layer,
                    summary: "Mean activation per channel over \(inputCount) inputs "
                        + "(\(means.count) channels)",
                    columns: ["Channel", "Mean"],
                    rows: means.enumerated().map { ["\($0)", ReportTable.number($1)] }, bars: means))
        }
    }
}
