import Foundation
import VizCore

/// `manifest.json`, written a record at a time and never held whole. While the run goes, each
/// entry's records are copied, as the journal line encoded them, into scratch lists (the inputs,
/// and per run its artifacts and predictions); when it ends, `write` streams the header's members,
/// encoded by `Manifest`'s own Codable conformance (so fields added to it appear here too), with
/// those lists in place of its empty ones.
final class ManifestWriter {
    /// Where an entry's artifacts go in its run's list: those of no input first (filter patterns
    /// come before the inputs they do not belong to), then the inputs', then the aggregates'.
    enum Place: Int, CaseIterable {
        case beforeInputs, inOrder, afterInputs
    }

    private let sections: Sections
    private let inputs: ListPiece
    /// Per run: its artifacts, a piece per `Place`, and its predictions.
    private let artifacts: [[ListPiece]]
    private let predictions: [ListPiece]

    init(runCount: Int, scratch: URL) throws {
        let perRun = Place.allCases.count + 1
        sections = try Sections(count: 1 + perRun * runCount, in: scratch, prefix: ".manifest")
        let pieces = sections.files.map(ListPiece.init)
        inputs = pieces[0]
        artifacts = (0..<runCount).map { Array(pieces[(1 + perRun * $0)..<(perRun * ($0 + 1))]) }
        predictions = (0..<runCount).map { pieces[perRun * ($0 + 1)] }
    }

    /// Copies the records of `entry` from `line`, its journal line.
    func add(_ line: Data, of entry: Journal.Entry, place: Place) throws {
        let members = try JSONScan.members(of: line)
        if entry.input != nil, let input = members.first(where: { $0.key == "input" }) {
            try inputs.append(line.subdata(in: input.value))
        }
        guard let runs = members.first(where: { $0.key == "runs" }) else { return }
        for (run, results) in zip(artifacts.indices, try JSONScan.elements(of: line, in: runs.value)) {
            for (key, value) in try JSONScan.members(of: line, in: results) {
                let piece =
                    key == "artifacts"
                    ? artifacts[run][place.rawValue] : key == "predictions" && entry.input != nil ? predictions[run] : nil
                for element in try JSONScan.elements(of: line, in: value) { try piece?.append(line.subdata(in: element)) }
            }
        }
    }

    /// The manifest: `header`'s members with every list streamed into its place.
    func write(header: Manifest, to output: TextOutput) throws {
        var skeleton = header
        skeleton.inputs = []
        for run in skeleton.runs.indices {
            skeleton.runs[run].artifacts = []
            skeleton.runs[run].predictions = predictions[run].count > 0 ? [] : nil
        }
        let encoded = try Journal.recordEncoder().encode(skeleton)
        let json = JSONStreamWriter(output: output)
        try json.beginObject()
        for (key, value) in try JSONScan.members(of: encoded) {
            switch key {
            case "inputs": try list([inputs], key: key, to: json, output)
            case "runs": try writeRuns(encoded, at: value, to: json, output)
            default: try json.raw(encoded.subdata(in: value), key: key)
            }
        }
        try json.endObject()
        try output.write("\n")
        try sections.remove()
    }

    private func writeRuns(_ encoded: Data, at range: Range<Int>, to json: JSONStreamWriter, _ output: TextOutput) throws {
        try json.beginArray(key: "runs")
        for (run, record) in try JSONScan.elements(of: encoded, in: range).enumerated() {
            try json.beginObject()
            for (key, value) in try JSONScan.members(of: encoded, in: record) {
                switch key {
                case "artifacts": try list(artifacts[run], key: key, to: json, output)
                case "predictions": try list([predictions[run]], key: key, to: json, output)
                default: try json.raw(encoded.subdata(in: value), key: key)
                }
            }
            try json.endObject()
        }
        try json.endArray()
    }

    private func list(_ pieces: [ListPiece], key: String, to json: JSONStreamWriter, _ output: TextOutput) throws {
        try json.list(key: key, pieces: pieces) { try sections.copy($0.file, to: output) }
    }

    /// `manifest.json` for entries held in memory (tests, small outputs): each entry encoded as
    /// the journal encodes it.
    static func write(header: Manifest, entries: [Journal.Entry], to output: TextOutput, scratch: URL) throws {
        let writer = try ManifestWriter(runCount: header.runs.count, scratch: scratch)
        let encoder = Journal.recordEncoder()
        for entry in entries { try writer.add(try encoder.encode(entry), of: entry, place: .inOrder) }
        try writer.write(header: header, to: output)
    }
}
