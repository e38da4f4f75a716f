import Foundation
import VizCore

/// Walks entries in order, calling the body with each; may be walked many times.
typealias EntryWalk = ((Journal.Entry) throws -> Void) throws -> Void

/// `manifest.json` written a record at a time from the journal's entries, never held whole: the
/// header is encoded by `Manifest`'s own Codable conformance (so fields added to it appear here
/// too), with the inputs and each run's artifacts and predictions streamed into their places, one
/// record per line. One walk over the entries fills every list at once (`Sections`), since
/// decoding the entries costs more than copying the lists.
enum ManifestStream {
    static func write(header: Manifest, entries: EntryWalk, to file: TextFile, scratch: URL) throws {
        var skeleton = header
        skeleton.inputs = []
        for run in skeleton.runs.indices {
            skeleton.runs[run].artifacts = []
            skeleton.runs[run].predictions = []
        }
        let encoder = Journal.recordEncoder()

        // Lists: the inputs, then each run's artifacts and predictions.
        let sections = try Sections(count: 1 + 2 * header.runs.count, in: scratch)
        let lists = sections.files.map { ArrayWriter(file: $0, encoder: encoder) }
        try entries { entry in
            if let input = entry.input { try lists[0].append(input) }
            for (run, results) in zip(header.runs.indices, entry.runs) {
                for artifact in results.artifacts { try lists[1 + 2 * run].append(artifact) }
                guard entry.input != nil else { continue }
                for record in results.predictions ?? [] { try lists[2 + 2 * run].append(record) }
            }
        }

        let text = String(decoding: try encoder.encode(skeleton), as: UTF8.self)
        // Every string in a manifest is quoted with its quotes escaped, so these only occur as keys.
        var rest = text[...]
        func copy(through marker: String) throws {
            guard let found = rest.range(of: marker) else {
                throw VizError("cannot encode the manifest: no \(marker) in its header", at: file.url.path)
            }
            try file.write(String(rest[..<found.lowerBound]))
            rest = rest[found.upperBound...]
        }
        func list(_ index: Int, key: String) throws {
            try file.write("\"\(key)\":[")
            try sections.copy(index, to: file)
            try file.write(lists[index].count == 0 ? "]" : "\n]")
        }
        try copy(through: "\"inputs\":[]")
        try list(0, key: "inputs")
        for run in header.runs.indices {
            try copy(through: "\"artifacts\":[]")
            try list(1 + 2 * run, key: "artifacts")
            try copy(through: ",\"predictions\":[]")
            if lists[2 + 2 * run].count > 0 {
                try file.write(",")
                try list(2 + 2 * run, key: "predictions")
            }
        }
        try file.write(String(rest) + "\n")
        try sections.remove()
    }
}

/// The elements of a JSON array, one per line.
final class ArrayWriter {
    private let file: TextFile
    private let encoder: JSONEncoder
    private(set) var count = 0

    init(file: TextFile, encoder: JSONEncoder) {
        self.file = file
        self.encoder = encoder
    }

    func append(_ element: some Encodable) throws {
        try file.write(count == 0 ? "\n" : ",\n")
        try file.write(try encoder.encode(element))
        count += 1
    }
}
