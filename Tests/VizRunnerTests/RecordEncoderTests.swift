import Foundation
import VizCore
import XCTest

@testable import VizRunner

/// The journal's encoder writes what Foundation's would: every record decodes to itself, keys sorted.
final class RecordEncoderTests: XCTestCase {
    private let entry = Journal.Entry(
        input: .init(id: "a \"quoted\"\\name\u{1}é", path: "/in/a/b.png", shape: [4, 3, 3], image: nil),
        runs: [
            .init(
                artifacts: [
                    ArtifactRecord(
                        kind: "array", role: "activation", input: "a", layer: "conv/1", channel: 3,
                        filter: nil, classIndex: nil, shape: [2, 2], path: "acts/a.npy",
                        stats: LayerStats(
                            layerClass: "Conv2D", outputShape: [2, 2, 3], minimum: -1e-30,
                            maximum: 3, deadChannels: 0.5,
                            channelMeans: [0, 1, -2.5, 1e-05, 123456.79, .leastNonzeroMagnitude]))
                ],
                predictions: [.init(input: "a", top: [Prediction(classIndex: 2, label: nil, score: 0.75)])]),
            .init(),
        ])

    func testARecordDecodesToItself() throws {
        let encoded = try RecordEncoder().encode(entry)
        XCTAssertEqual(try JSONDecoder().decode(Journal.Entry.self, from: encoded), entry)
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let keys = { (data: Data) in try JSONScan.members(of: data).map(\.key) }
        XCTAssertEqual(try keys(encoded), try keys(foundation.encode(entry)))
        XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains("\"path\":\"/in/a/b.png\""), "slashes unescaped")
    }

    /// An array listed twice (a layer's channel means on its array and on its picture) is written
    /// once and reused; arrays made one after another, each freed before the next, whose storage
    /// may be the same memory, are each written as they are.
    func testArraysOfFloatsAreWrittenOnceButNeverMistakenForAnother() throws {
        var twice = entry
        twice.runs[0].artifacts.append(twice.runs[0].artifacts[0])
        var copies = twice
        copies.runs[0].artifacts[1].stats!.channelMeans = copies.runs[0].artifacts[1].stats!.channelMeans!.map { $0 }
        XCTAssertEqual(try RecordEncoder().encode(twice), try RecordEncoder().encode(copies))

        struct MadeOnTheFly: Encodable {
            func encode(to encoder: Encoder) throws {
                var container = encoder.unkeyedContainer()
                for row in 0..<64 { try container.encode([Float](repeating: Float(row), count: 8)) }
            }
        }
        let rows = try JSONDecoder().decode([[Float]].self, from: RecordEncoder().encode(MadeOnTheFly()))
        XCTAssertEqual(rows, (0..<64).map { [Float](repeating: Float($0), count: 8) })
    }

    func testNonFiniteNumbersAreRefused() {
        XCTAssertThrowsError(try RecordEncoder().encode([Float.nan]))
        XCTAssertThrowsError(try RecordEncoder().encode(["x": Double.infinity]))
    }
}
