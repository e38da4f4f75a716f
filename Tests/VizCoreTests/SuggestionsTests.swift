import XCTest

@testable import VizCore

final class SuggestionsTests: XCTestCase {
    func testEditDistance() {
        XCTAssertEqual(Suggestions.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestions.editDistance("flaw", "lawn"), 2)
        XCTAssertEqual(Suggestions.editDistance("", "abc"), 3)
        XCTAssertEqual(Suggestions.editDistance("abc", ""), 3)
        XCTAssertEqual(Suggestions.editDistance("layer", "layer"), 0)
        XCTAssertEqual(Suggestions.editDistance("conv2d_1", "conv2d_10"), 1)
    }

    func testClosestFindsLikelyTypos() {
        let keys = ["layer", "layers", "filters", "colormap", "alpha"]
        XCTAssertEqual(Suggestions.closest(to: "layr", among: keys), "layer")
        XCTAssertEqual(Suggestions.closest(to: "filtres", among: keys), "filters")
        XCTAssertEqual(Suggestions.closest(to: "colourmap", among: keys), "colormap")
        XCTAssertEqual(
            Suggestions.closest(to: "Alpha", among: keys), "alpha", "case-insensitive, returns the candidate's spelling")
    }

    func testClosestRefusesDistantNames() {
        XCTAssertNil(Suggestions.closest(to: "steps", among: ["layer", "colormap"]))
        XCTAssertNil(Suggestions.closest(to: "anything", among: []))
    }

    /// The threshold grows with the name: a third of its length, at least 2.
    func testClosestThresholdScalesWithLength() {
        XCTAssertEqual(Suggestions.closest(to: "block5_conv3", among: ["block4_conv1"]), "block4_conv1") // 2 edits
        XCTAssertEqual(Suggestions.closest(to: "abcdefghijkl", among: ["abcdefghWXYZ"]), "abcdefghWXYZ") // 4 ≤ 12/3
        XCTAssertNil(Suggestions.closest(to: "abcdefghijkl", among: ["abcdefgVWXYZ"])) // 5 > 12/3
        XCTAssertNil(Suggestions.closest(to: "conv", among: ["dense"])) // 4 > 2
    }

    func testClosestPrefersTheSmallestDistanceThenTheFirstCandidate() {
        XCTAssertEqual(Suggestions.closest(to: "conv2d_1", among: ["conv2d_12", "conv2d_1x", "conv2d_2"]), "conv2d_12")
        XCTAssertEqual(Suggestions.closest(to: "dense_2", among: ["dense_10", "dense_1", "dense_2x"]), "dense_1")
        XCTAssertEqual(Suggestions.closest(to: "conv2d", among: ["conv2d_10", "Conv2D"]), "Conv2D")
    }
}
