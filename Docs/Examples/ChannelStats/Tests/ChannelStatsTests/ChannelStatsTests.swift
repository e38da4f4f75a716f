import VizCore
import VizTesting
import XCTest

@testable import ChannelStats

final class ChannelStatsTests: XCTestCase {
    /// Input (2×2×2) → ReLU: small enough to check every number by hand.
    private func reluModel() throws -> Model {
        try .sequential(input: [2, 2, 2], [("relu", ActivationOp(.relu))])
    }

    /// Channel 0 holds 1, -1, 3, -3; channel 1 holds 2 everywhere.
    private let image = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, -1, 2, 3, 2, -3, 2])

    func testTableHoldsEachChannelsStatistics() {
        let table = ChannelStatistics.table(image)
        assertClose(
            table,
            Tensor(
                shape: [2, 5],
                scalars: [
                    0, Float(5).squareRoot(), -3, 3, 0.5,
                    2, 0, 2, 2, 1,
                ]))
    }

    func testRunHandsATableAndAChartPerLayerToTheSink() throws {
        let visualizer = ChannelStatsVisualizer()
        let model = try reluModel()
        try visualizer.configure(runOptions("{layers: [relu], chart: max, bar_width: 3, chart_height: 20}"), model: model)
        let sink = try visualizer.collect(model: model, inputs: [("x", image)])
        XCTAssertEqual(sink.arrays.map(\.0.role), ["channel_stats"])
        XCTAssertEqual(sink.arrays[0].0.name, ["x", "relu", "stats"])
        assertClose(
            sink.arrays[0].1,
            Tensor(
                shape: [2, 5],
                scalars: [
                    1, Float(1.5).squareRoot(), 0, 3, 0.5,
                    2, 0, 2, 2, 1,
                ]))
        XCTAssertEqual(sink.images.map(\.0.name), [["x", "relu", "max"]])
        XCTAssertEqual([sink.images[0].1.width, sink.images[0].1.height], [6, 20])
    }

    func testAnUnknownChartIsAnErrorWithTheClosestName() throws {
        XCTAssertThrowsError(try ChannelStatsVisualizer().configure(runOptions("{chart: maen}"), model: reluModel())) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'mean'?"), "\(error)")
        }
    }

    func testTheLibraryExportsTheCurrentPluginAPIVersion() {
        XCTAssertEqual(vizrunPluginAPIVersion(), PluginAPI.version)
    }

    func testRegisteringTwiceIsAClashNamingBothOrigins() {
        let registry = Registry()
        let first = PluginRegistrar(registry: registry, origin: "first.so")
        vizrunRegisterPlugins(first.handle)
        XCTAssertNil(first.failure)
        let second = PluginRegistrar(registry: registry, origin: "second.so")
        vizrunRegisterPlugins(second.handle)
        XCTAssertEqual(second.failure?.message, "two visualizers are named 'channel_stats': from first.so and from second.so")
    }
}

/// The example's aggregate: the tables of two inputs, written as a run would, averaged, offered to
/// later runs, and written with a report table.
final class ChannelStatsSummaryTests: XCTestCase {
    func testTablesAreAveragedOfferedAndWritten() throws {
        let output = try CollectingAggregateOutput()
        let tables = [
            Tensor(shape: [2, 5], scalars: [1, 0, 1, 1, 0.5, 2, 0, 2, 2, 1]),
            Tensor(shape: [2, 5], scalars: [3, 2, 0, 5, 1, 4, 0, 4, 4, 0]),
        ]
        let summary = ChannelStatsSummary()
        for (index, table) in tables.enumerated() {
            let path = "stats/x\(index)/relu/stats.npy"
            try FileManager.default.createDirectory(
                at: output.folder.appendingPathComponent("stats/x\(index)/relu"),
                withIntermediateDirectories: true)
            try table.writeNpy(to: output.folder.appendingPathComponent(path).path)
            let record = ArtifactRecord(
                kind: "array", role: "channel_stats", input: "x\(index)", layer: "relu", channel: nil,
                filter: nil, classIndex: nil, shape: [2, 5], path: path)
            try summary.add(InputResults(input: "x\(index)", artifacts: [record], predictions: [], folder: output.folder))
        }
        let expected = Tensor(shape: [2, 5], scalars: [2, 1, 0.5, 3, 0.75, 3, 0, 3, 3, 0.5])
        XCTAssertEqual(try summary.results(ofRun: "stats").value("channel_stats", of: "relu"), expected)
        try summary.write(to: output)
        XCTAssertEqual(output.files.map(\.artifact.name), [["relu", "channel_stats"]])
        XCTAssertEqual(try Tensor(npyFileAt: output.files[0].url.path), expected)
        XCTAssertEqual(output.tables.first?.rows, [["0", "0.75"], ["1", "0.5"]])
    }

    func testALaterRunNeedingAnotherLayerIsToldWhatIsCovered() {
        let offers: [RunResultKind] = [.named("channel_stats", items: ["relu"])]
        XCTAssertNil(RunResultKind.named("channel_stats", items: ["relu"]).shortfall(in: offers))
        XCTAssertEqual(
            RunResultKind.named("channel_stats", items: ["conv"]).shortfall(in: offers),
            "does not cover 'conv' in its 'channel_stats' results (it covers: relu)")
        XCTAssertEqual(RunResultKind.named("other", items: ["relu"]).shortfall(in: offers), "does not offer 'other' results")
    }
}
