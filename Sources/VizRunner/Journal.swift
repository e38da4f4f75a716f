import Foundation
import VizCore

/// `.vizrun-journal.jsonl` in the output folder: the run's records on disk, so memory stays flat
/// however many inputs there are. The first line is the manifest's header (every field but the
/// inputs and the runs' artifacts and predictions); each further line is an `Entry`: one input with
/// every run's results for it, or artifacts that belong to no input (filter patterns, aggregates).
///
/// Each batch's entries are appended once its files are in place, so the journal never lists a
/// missing file; a rerun resumes from it and `vizrun merge` reads it, a line at a time.
/// `manifest.json` and `report.html` are streamed from it when the run ends.
enum Journal {
    static let fileName = ".vizrun-journal.jsonl"

    struct Entry: Codable, Equatable {
        /// Nil for artifacts that belong to no input.
        var input: Manifest.InputRecord?
        /// Per run of the header, in its order.
        var runs: [Results]

        init(input: Manifest.InputRecord?, runs: [Results]) {
            self.input = input
            self.runs = runs
        }

        /// No results yet in any of `runCount` runs.
        init(input: Manifest.InputRecord?, runCount: Int) {
            self.init(input: input, runs: Array(repeating: Results(), count: runCount))
        }

        /// Every file the entry lists, relative to the output folder.
        var paths: [String] {
            (input?.image.map { [$0] } ?? []) + runs.flatMap { $0.artifacts.map(\.path) }
        }
    }

    /// One run's results in an entry.
    struct Results: Codable, Equatable {
        var artifacts: [ArtifactRecord] = []
        var predictions: [Manifest.PredictionRecord]?

        var isEmpty: Bool { artifacts.isEmpty && (predictions ?? []).isEmpty }
    }

    /// A manifest's header and entries, for folders an older vizrun wrote without a journal:
    /// each input's artifacts and predictions gathered, then those of no input.
    static func entries(of manifest: Manifest) -> (header: Manifest, entries: [Entry]) {
        var header = manifest
        header.inputs = []
        var entries = manifest.inputs.map { Entry(input: $0, runCount: manifest.runs.count) }
        let indexByID = Dictionary(manifest.inputs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var unattached = Entry(input: nil, runCount: manifest.runs.count)
        for (run, record) in manifest.runs.enumerated() {
            header.runs[run].artifacts = []
            header.runs[run].predictions = nil
            for artifact in record.artifacts {
                if let input = artifact.input, let index = indexByID[input] {
                    entries[index].runs[run].artifacts.append(artifact)
                } else {
                    unattached.runs[run].artifacts.append(artifact)
                }
            }
            for prediction in record.predictions ?? [] {
                guard let index = indexByID[prediction.input] else { continue }
                entries[index].runs[run].predictions = (entries[index].runs[run].predictions ?? []) + [prediction]
            }
        }
        return (header, entries + (unattached.runs.allSatisfy(\.isEmpty) ? [] : [unattached]))
    }

    // MARK: - Reading

    /// The header, or nil when the file is missing or its first line is not one.
    static func header(at url: URL) -> Manifest? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        var header: Manifest?
        try? LineReader(handle: handle).forEachLine { line, _ in
            header = try? JSONDecoder().decode(Manifest.self, from: line)
            return false
        }
        return header
    }

    /// Calls `body` with every entry in file order and where its line lies. A last line cut short
    /// (a run killed while appending) is not an entry yet and is skipped.
    static func forEachEntry(at url: URL, _ body: (Entry, Range<Int>) throws -> Void) throws {
        let handle = try open(url)
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var isHeader = true
        try LineReader(handle: handle).forEachLine { line, range in
            defer { isHeader = false }
            guard !isHeader else { return true }
            guard line.last == UInt8(ascii: "\n") else { return false }
            let entry: Entry
            do { entry = try decoder.decode(Entry.self, from: line) } catch {
                throw VizError("the journal's line at byte \(range.lowerBound) is not a vizrun record: \(error)", at: url.path)
            }
            try body(entry, range)
            return true
        }
    }

    /// The journal at `url`, open for reading.
    static func open(_ url: URL) throws -> FileHandle {
        do { return try FileHandle(forReadingFrom: url) } catch {
            throw VizError("cannot read the journal: \(error.localizedDescription)", at: url.path)
        }
    }

    /// The entry whose line lies at `range` (as `forEachEntry` or `Writer.append` gave it).
    static func entry(at range: Range<Int>, in handle: FileHandle, of url: URL) throws -> Entry {
        do {
            try handle.seek(toOffset: UInt64(range.lowerBound))
            let line = try handle.read(upToCount: range.count) ?? Data()
            return try JSONDecoder().decode(Entry.self, from: line)
        } catch {
            throw VizError("cannot read the journal's line at byte \(range.lowerBound): \(error)", at: url.path)
        }
    }

    // MARK: - Writing

    /// How records are written, in the journal and in `manifest.json`: one to a line, keys sorted.
    static func recordEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Appends lines to a journal it created; the file may be renamed while it is open.
    final class Writer {
        private(set) var url: URL
        private let handle: FileHandle
        private var length = 0
        private let encoder = Journal.recordEncoder()

        init(url: URL, header: Manifest) throws {
            self.url = url
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                  let handle = FileHandle(forWritingAtPath: url.path) else {
                throw VizError("cannot create the journal", at: url.path)
            }
            self.handle = handle
            _ = try appendLine(header)
        }

        deinit { try? handle.close() }

        /// Appends `entry` as one line; returns where the line lies.
        @discardableResult
        func append(_ entry: Entry) throws -> Range<Int> {
            try appendLine(entry)
        }

        private func appendLine(_ value: some Encodable) throws -> Range<Int> {
            do {
                var line = try encoder.encode(value)
                line.append(UInt8(ascii: "\n"))
                try handle.write(contentsOf: line)
                defer { length += line.count }
                return length..<(length + line.count)
            } catch {
                throw VizError("cannot write the journal: \(error.localizedDescription)", at: url.path)
            }
        }

        /// Renames the file to `target` (atomically replacing what is there) and keeps appending to it.
        func move(to target: URL) throws {
            guard rename(url.path, target.path) == 0 else {
                throw VizError("cannot write: \(String(cString: strerror(errno)))", at: target.path)
            }
            url = target
        }
    }
}

/// A file's lines read in large chunks, each with its terminating newline (none on a last line cut short).
struct LineReader {
    let handle: FileHandle
    private let chunkSize = 64 << 10

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// Calls `body` with each line and its byte range until it returns false.
    func forEachLine(_ body: (Data, Range<Int>) throws -> Bool) throws {
        var buffer = Data()
        var offset = 0
        while true {
            let chunk = try handle.read(upToCount: chunkSize) ?? Data()
            buffer.append(chunk)
            var start = buffer.startIndex
            while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start...newline]
                guard try body(Data(line), offset..<(offset + line.count)) else { return }
                offset += line.count
                start = newline + 1
            }
            buffer = Data(buffer[start...])
            if chunk.isEmpty {
                if !buffer.isEmpty { _ = try body(buffer, offset..<(offset + buffer.count)) }
                return
            }
        }
    }
}
