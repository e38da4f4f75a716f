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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

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

/// The pieces of one file, each written to a scratch file of its own in one walk over the
/// entries, then copied into place in order.
final class Sections {
    let files: [TextFile]

    init(count: Int, in folder: URL) throws {
        // A leading dot: staged files are named by number, so no clash.
        files = try (0..<count).map { try TextFile(url: folder.appendingPathComponent(".section-\($0)")) }
    }

    /// Appends piece `index` to `output`, a chunk at a time.
    func copy(_ index: Int, to output: TextOutput) throws {
        let file = files[index]
        try file.close()
        guard let handle = try? FileHandle(forReadingFrom: file.url) else {
            throw VizError("cannot read back a section", at: file.url.path)
        }
        defer { try? handle.close() }
        do {
            while let chunk = try handle.read(upToCount: 64 << 10), !chunk.isEmpty {
                try output.write(chunk)
            }
        } catch let error as VizError {
            throw error
        } catch {
            throw VizError("cannot read back a section: \(error.localizedDescription)", at: file.url.path)
        }
    }

    func remove() throws {
        for file in files { try? FileManager.default.removeItem(at: file.url) }
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

/// Where text goes a piece at a time.
protocol TextOutput: AnyObject {
    func write(_ data: Data) throws
}

extension TextOutput {
    func write(_ text: String) throws {
        try write(Data(text.utf8))
    }
}

/// Text collected in memory.
final class TextBuffer: TextOutput {
    private(set) var data = Data()

    var text: String { String(decoding: data, as: UTF8.self) }

    func write(_ data: Data) throws {
        self.data.append(data)
    }
}

/// A file written in pieces through a buffer.
final class TextFile: TextOutput {
    let url: URL
    private let handle: FileHandle
    private var buffer = Data()
    private let flushSize = 64 << 10
    private var closed = false

    init(url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw VizError("cannot create the file", at: url.path)
        }
        self.handle = handle
    }

    deinit { if !closed { try? handle.close() } }

    func write(_ data: Data) throws {
        buffer.append(data)
        if buffer.count >= flushSize { try flush() }
    }

    /// Flushes and closes; later calls do nothing.
    func close() throws {
        guard !closed else { return }
        try flush()
        try handle.close()
        closed = true
    }

    private func flush() throws {
        do { try handle.write(contentsOf: buffer) } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: url.path)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
