import VizCore
import XCTest

/// A layer's statistics on a tensor small enough to work out by hand.
final class LayerStatsTests: XCTestCase {
    func testStatisticsOfAHandMadeActivation() {
        // (1, 2, 2, 3): channel 0 holds 1, 2, 3, 6; channel 1 is zero everywhere; channel 2 holds -4, NaN, 2, 5.
        let output = Tensor(shape: [1, 2, 2, 3], scalars: [1, 0, -4, 2, 0, .nan, 3, 0, 2, 6, 0, 5])
        let stats = LayerStats(layerClass: "Conv2D", output: output)
        XCTAssertEqual(stats.layerClass, "Conv2D")
        XCTAssertEqual(stats.outputShape, [2, 2, 3])
        XCTAssertEqual(stats.minimum, -4)
        XCTAssertEqual(stats.maximum, 6)
        XCTAssertEqual(stats.deadChannels, 1.0 / 3.0, "channel 1 only: a NaN is not zero")
        XCTAssertEqual(stats.channelMeans, [3, 0, 1], "(1 + 2 + 3 + 6) / 4, 0, and (-4 + 2 + 5) / 3 without the NaN")
    }

    func testAFeatureVectorIsOneValuePerChannel() {
        let stats = LayerStats(layerClass: "Dense", output: Tensor(shape: [1, 4], scalars: [0.5, 0, -2, 0]))
        XCTAssertEqual(stats.outputShape, [4])
        XCTAssertEqual([stats.minimum, stats.maximum], [-2, 0.5])
        XCTAssertEqual(stats.deadChannels, 0.5)
        XCTAssertEqual(stats.channelMeans, [0.5, 0, -2, 0])
    }
}
