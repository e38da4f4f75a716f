import Foundation
import VizCore
import XCTest

@testable import VizRunner

/// The journal and what is streamed from it: `manifest.json` says what `Manifest`'s own encoding
/// says, the report shows what the in-memory manifest's report shows, and a line cut short by a
/// killed run is not read.
final class JournalTests: RunnerTestCase {
    private static let header = Manifest(
        vizrun: Runner.version, model: .init(path: "m.h5", loader: "hdf5", layers: 3, inputShape: [nil, 4, 3]), inputs: [],
        runs: [
            .init(name: "acts", visualizer: "activations", seconds: 0.25, artifacts: [], options: ["layers": "[c1]"]),
            .init(name: "cam", visualizer: "gradcam", seconds: 1.5, computeSeconds: 1, artifacts: []),
            .init(name: "empty", visualizer: "saliency", seconds: 0, artifacts: []),
        ],
        config: "c.yaml", created: "2026-11-30T00:00:00Z", seconds: 2, preprocessing: ["scale": "1/255"], complete: true,
        arrays: true)

    private static func artifact(_ role: String, input: String?, path: String, classIndex: Int? = nil) -> ArtifactRecord {
        ArtifactRecord(
            kind: "image", role: role, input: input, layer: input == nil ? nil : "c1", channel: nil,
            filter: nil, classIndex: classIndex, shape: nil, path: path)
    }

    /// Two inputs with results in the first two runs, predictions for one, then artifacts of no input.
    private static var entries: [Journal.Entry] {
        let prediction = Manifest.PredictionRecord(input: "x", top: [Prediction(classIndex: 2, label: "cat", score: 0.75)])
        return [
            Journal.Entry(
                input: .init(id: "x", path: "/in/x.png", shape: [4, 3, 3], image: "inputs/x.png"),
                runs: [
                    .init(artifacts: [artifact("grid", input: "x", path: "acts/x/c1.png")]),
                    .init(
                        artifacts: [artifact("overlay", input: "x", path: "cam/x/overlay.png", classIndex: 2)],
                        predictions: [prediction]),
                    .init(),
                ]),
            Journal.Entry(
                input: .init(id: "y \"quoted\"", path: "/in/y.npy", shape: [4, 3, 3]),
                runs: [
                    .init(artifacts: [artifact("grid", input: "y \"quoted\"", path: "acts/y/c1.png")]), .init(), .init(),
                ]),
            Journal.Entry(
                input: nil,
                runs: [.init(artifacts: [artifact("grid", input: nil, path: "acts/_aggregate/x.png")]), .init(), .init()]),
        ]
    }

    /// The same manifest, built whole.
    private static var manifest: Manifest {
        var manifest = header
        let entries = entries
        manifest.inputs = entries.compactMap(\.input)
        for run in manifest.runs.indices {
            manifest.runs[run].artifacts = entries.flatMap { $0.runs[run].artifacts }
            let predictions = entries.flatMap { $0.runs[run].predictions ?? [] }
            manifest.runs[run].predictions = predictions.isEmpty ? nil : predictions
        }
        return manifest
    }

    func testTheStreamedManifestDecodesToTheManifest() throws {
        let url = folder.appendingPathComponent("manifest.json")
        let file = try TextFile(url: url)
        try ManifestWriter.write(header: Self.header, entries: Self.entries, to: file, scratch: folder)
        try file.close()
        let data = try Data(contentsOf: url)
        XCTAssertEqual(try JSONDecoder().decode(Manifest.self, from: data), Self.manifest)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "\"predictions\"").count - 1, 1, "only the run with predictions lists them")
        XCTAssertTrue(text.contains("\"artifacts\":[]"), "a run with no artifacts lists none")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["manifest.json"], "no scratch left")
    }

    func testTheStreamedReportIsTheReportOfTheManifest() throws {
        let aggregates = Aggregates(runs: Self.header.runs, registry: .builtins(), folder: nil)
        try Self.entries.forEach { try aggregates.add($0) }
        let streamed = TextBuffer()
        try HTMLReport(header: Self.header, aggregates: aggregates)
            .write(entries: Self.entries, to: streamed, scratch: folder)
        XCTAssertEqual(streamed.text, try HTMLReport.html(of: Self.manifest))
        XCTAssertTrue(streamed.text.contains("Inputs (2)"))
        XCTAssertTrue(streamed.text.contains("class 2 (cat)"), "captions name classes from the input's predictions")
    }

    func testALineCutShortIsNotAnEntry() throws {
        let url = folder.appendingPathComponent(Journal.fileName)
        let writer = try Journal.Writer(url: url, header: Self.header)
        var ranges: [Range<Int>] = []
        for entry in Self.entries { ranges.append(try writer.append(entry).range) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"input\":{\"id\":\"z\"".utf8))
        try handle.close()

        XCTAssertEqual(Journal.header(at: url), Self.header)
        var read: [(Journal.Entry, Range<Int>)] = []
        try Journal.forEachEntry(at: url) { read.append(($0, $1)) }
        XCTAssertEqual(read.map(\.0), Self.entries)
        XCTAssertEqual(read.map(\.1), ranges)
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        XCTAssertEqual(try Journal.entry(at: ranges[1], in: reader, of: url), Self.entries[1])
    }
}
