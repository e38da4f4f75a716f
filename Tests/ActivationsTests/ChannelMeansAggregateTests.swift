import VizCore
import VizTesting
import XCTest

@testable import Activations

/// The per-channel aggregate of an activations run, from statistics chosen so the means are known by hand.
final class ChannelMeansAggregateTests: XCTestCase {
    private func record(_ layer: String, input: String, means: [Float]) -> ArtifactRecord {
        ArtifactRecord(
            kind: "array", role: "activation", input: input, layer: layer, channel: nil, filter: nil,
            classIndex: nil, shape: [means.count], path: "\(input)/\(layer).npy",
            stats: LayerStats(
                layerClass: "Conv2D", outputShape: [1, 1, means.count], minimum: 0, maximum: 0,
                deadChannels: 0, channelMeans: means))
    }

    private func results(_ input: String, _ artifacts: [ArtifactRecord]) -> InputResults {
        InputResults(input: input, artifacts: artifacts, predictions: [], folder: URL(fileURLWithPath: "/nowhere"))
    }

    func testEachChannelIsAveragedOverTheInputs() throws {
        let aggregate = ChannelMeansAggregate()
        aggregate.add(
            results(
                "a",
                [
                    record("conv", input: "a", means: [1, 2]), record("odd", input: "a", means: [1]),
                    record("conv", input: "a", means: [100, 100]),
                ]))
        aggregate.add(results("b", [record("conv", input: "b", means: [3, 6]), record("odd", input: "b", means: [1, 2])]))
        aggregate.add(results("c", [record("conv", input: "c", means: [-1, 1])]))
        XCTAssertEqual(
            aggregate.results(ofRun: "acts").channelMeans, ["conv": [1, 3]],
            "(1 + 3 - 1) / 3 and (2 + 6 + 1) / 3; a layer's second artifact of an input does not count, "
                + "and a layer whose inputs differ in channels has no aggregate")

        let output = try CollectingAggregateOutput()
        try aggregate.write(to: output)
        XCTAssertEqual(output.files.map(\.kind), ["array", "table"])
        XCTAssertEqual(try Tensor(npyFileAt: output.files[0].url.path), Tensor(shape: [2], scalars: [1, 3]))
        XCTAssertEqual(try String(contentsOf: output.files[1].url, encoding: .utf8), "channel,mean\n0,1.0\n1,3.0\n")
        XCTAssertEqual(output.tables.map(\.summary), ["Mean activation per channel over 3 inputs (2 channels)"])
        XCTAssertEqual(output.tables.first?.rows, [["0", "1"], ["1", "3"]])
    }

    func testOneInputWritesNothing() throws {
        let aggregate = ChannelMeansAggregate()
        aggregate.add(results("a", [record("conv", input: "a", means: [1, 2])]))
        let output = try CollectingAggregateOutput()
        try aggregate.write(to: output)
        XCTAssertTrue(output.files.isEmpty)
        XCTAssertTrue(output.tables.isEmpty)
    }
}
