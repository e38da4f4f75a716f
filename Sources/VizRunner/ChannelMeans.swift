import Foundation
import VizCore

/// The aggregate of an activations run over many inputs: each layer's mean activation per channel,
/// averaged over the inputs. Computed from the manifest's `stats.channel_means` alone, so a resumed
/// run and `vizrun merge` get the same numbers as one run over every input.
struct ChannelMeans {
    let layer: String
    /// Mean over the inputs of each channel's mean activation.
    let means: [Float]
    let inputCount: Int

    /// The run's layers in manifest order, for runs with at least two inputs.
    static func of(_ run: Manifest.RunRecord) -> [ChannelMeans] {
        of(run.artifacts).filter { $0.inputCount > 1 }
    }

    /// Every layer the artifacts' `stats` cover, in their order, averaged over the inputs they belong to.
    static func of(_ artifacts: [Manifest.ArtifactRecord]) -> [ChannelMeans] {
        var layers: [String] = []
        var perLayer: [String: [String: [Float]]] = [:]   // layer → input → means
        for artifact in artifacts {
            guard let layer = artifact.layer, let input = artifact.input, let means = artifact.stats?.channelMeans else { continue }
            if perLayer[layer] == nil { layers.append(layer) }
            perLayer[layer, default: [:]][input] = means
        }
        return layers.compactMap { layer in
            let inputs = Array(perLayer[layer]!.values)
            guard let width = inputs.first?.count, inputs.allSatisfy({ $0.count == width }) else { return nil }
            let means = (0..<width).map { channel in
                Float(inputs.reduce(0.0) { $0 + Double($1[channel]) } / Double(inputs.count))
            }
            return ChannelMeans(layer: layer, means: means, inputCount: inputs.count)
        }
    }

    /// The role of the aggregate's files in the manifest; they belong to no input.
    static let role = "channel_means"

    /// Writes each activations run's aggregates (`.npy` of shape (channels,) and a `.csv` table)
    /// under `<run>/_aggregate/` and returns the manifest listing them.
    static func adding(to manifest: Manifest, folder: OutputFolder) throws -> Manifest {
        var result = manifest
        for (index, run) in manifest.runs.enumerated() where run.visualizer == "activations" {
            for aggregate in of(run) {
                let components = [run.name, "_aggregate", aggregate.layer, "channel_means"]
                let array = folder.reservePath(components, ext: ".npy")
                try folder.write(Tensor(shape: [aggregate.means.count], scalars: aggregate.means).npyData(), to: array)
                let table = folder.reservePath(components, ext: ".csv")
                let rows = aggregate.means.enumerated().map { "\($0),\($1)" }
                try folder.write(Data((["channel,mean"] + rows).joined(separator: "\n").appending("\n").utf8), to: table)
                for (kind, path, shape) in [("array", array, [aggregate.means.count] as [Int]?), ("table", table, nil)] {
                    result.runs[index].artifacts.append(Manifest.ArtifactRecord(
                        kind: kind, role: role, input: nil, layer: aggregate.layer, channel: nil, filter: nil,
                        classIndex: nil, shape: shape, path: path))
                }
            }
        }
        return result
    }
}
