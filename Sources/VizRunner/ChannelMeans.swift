import Foundation
import VizCore

/// The aggregate of an activations run over many inputs: each layer's mean activation per channel,
/// averaged over the inputs. Computed from the records' `stats.channel_means` alone, so a resumed
/// run and `vizrun merge` get the same numbers as one run over every input.
struct ChannelMeans {
    let layer: String
    /// Mean over the inputs of each channel's mean activation.
    let means: [Float]
    let inputCount: Int

    /// Sums each layer's channel means one input at a time, so memory holds one sum per channel.
    struct Accumulator {
        private var layers: [String] = []
        /// Per layer: the sums, how many inputs they hold, and whether every input had as many channels.
        private var sums: [String: (sum: [Double], count: Int, consistent: Bool)] = [:]

        /// One input's artifacts in the run; a layer's first artifact with channel means counts.
        mutating func add(_ artifacts: [Manifest.ArtifactRecord]) {
            var seen: Set<String> = []
            for artifact in artifacts {
                guard let layer = artifact.layer, let means = artifact.stats?.channelMeans, seen.insert(layer).inserted else { continue }
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
        var result: [ChannelMeans] {
            layers.compactMap { layer in
                guard let (sum, count, consistent) = sums[layer], consistent else { return nil }
                return ChannelMeans(layer: layer, means: sum.map { Float($0 / Double(count)) }, inputCount: count)
            }
        }
    }

    /// The role of the aggregate's files in the manifest; they belong to no input.
    static let role = "channel_means"

    /// Writes each layer's aggregate (`.npy` of shape (channels,) and a `.csv` table) under
    /// `<run>/_aggregate/` and returns their records.
    static func write(_ aggregates: [ChannelMeans], run: String, folder: OutputFolder) throws -> [Manifest.ArtifactRecord] {
        var records: [Manifest.ArtifactRecord] = []
        for aggregate in aggregates {
            let components = [run, "_aggregate", aggregate.layer, "channel_means"]
            let array = folder.reservePath(components, ext: ".npy")
            try folder.write(Tensor(shape: [aggregate.means.count], scalars: aggregate.means).npyData(), to: array)
            let table = folder.reservePath(components, ext: ".csv")
            let rows = aggregate.means.enumerated().map { "\($0),\($1)" }
            try folder.write(Data((["channel,mean"] + rows).joined(separator: "\n").appending("\n").utf8), to: table)
            for (kind, path, shape) in [("array", array, [aggregate.means.count] as [Int]?), ("table", table, nil)] {
                records.append(Manifest.ArtifactRecord(kind: kind, role: role, input: nil, layer: aggregate.layer, channel: nil,
                                                       filter: nil, classIndex: nil, shape: shape, path: path))
            }
        }
        return records
    }
}
