import VizCore
@testable import VizRunner
import XCTest

/// The per-channel aggregate of a folder run, from statistics chosen so the means are known by hand.
final class ChannelMeansTests: XCTestCase {
    private func record(_ layer: String, input: String, means: [Float]) -> Manifest.ArtifactRecord {
        Manifest.ArtifactRecord(kind: "array", role: "activation", input: input, layer: layer, channel: nil, filter: nil,
                                classIndex: nil, shape: [means.count], path: "\(input)/\(layer).npy",
                                stats: LayerStats(layerClass: "Conv2D", outputShape: [1, 1, means.count], minimum: 0, maximum: 0,
                                                  deadChannels: 0, channelMeans: means))
    }

    func testEachChannelIsAveragedOverTheInputs() {
        var accumulator = ChannelMeans.Accumulator()
        accumulator.add([record("conv", input: "a", means: [1, 2]), record("odd", input: "a", means: [1]),
                         record("conv", input: "a", means: [100, 100])])
        accumulator.add([record("conv", input: "b", means: [3, 6]), record("odd", input: "b", means: [1, 2])])
        accumulator.add([record("conv", input: "c", means: [-1, 1])])
        let result = accumulator.result
        XCTAssertEqual(result.map(\.layer), ["conv"], "a layer whose inputs differ in channels has no aggregate")
        XCTAssertEqual(result.first?.means, [1, 3], "(1 + 3 - 1) / 3 and (2 + 6 + 1) / 3; a layer's second artifact of an input does not count")
        XCTAssertEqual(result.first?.inputCount, 3)
    }
}
