import Foundation
import VizCore

/// Walks entries in order, calling the body with each; may be walked many times.
typealias EntryWalk = ((Journal.Entry) throws -> Void) throws -> Void

/// Walks the files each entry lists, in order.
typealias PathWalk = (([String]) throws -> Void) throws -> Void

/// `.vizrun-journal.jsonl` in the output folder: the run's records on disk, so memory stays flat
/// however many inputs there are. The first line is the manifest's header (every field but the
/// inputs and the runs' artifacts and predictions); each further line is an `Entry`: one input with
/// every run's results for it, or artifacts that belong to no input (filter patterns, aggregates).
///
/// Each batch's entries are appended once its files are in place, so the journal never lists a
/// missing file; a rerun resumes from it and `vizrun merge` reads it, a line at a time.
/// `manifest.json` and `report.html` are written from the same records as they are appended.
enum Journal {
    static let fileName = ".vizrun-journal.jsonl"

    /// An entry as a line of the journal: where it lies and its text, newline included.
    struct Line {
        let range: Range<Int>
        let text: Data
    }

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
        let decoder = JSONDecoder()
        try forEachLine(at: url) { line, range in try body(try decoder.decode(Entry.self, from: line), range) }
    }

    /// Every complete line after the header, with where it lies; a line `body` cannot read is not a record.
    private static func forEachLine(at url: URL, _ body: (Data, Range<Int>) throws -> Void) throws {
        let handle = try open(url)
        defer { try? handle.close() }
        var isHeader = true
        try LineReader(handle: handle).forEachLine { line, range in
            defer { isHeader = false }
            guard !isHeader else { return true }
            guard line.last == UInt8(ascii: "\n") else { return false }
            do { try body(line, range) } catch let error as DecodingError {
                throw VizError("the journal's line at byte \(range.lowerBound) is not a vizrun record: \(error)", at: url.path)
            }
            return true
        }
    }

    /// Calls `body` with the files each entry lists, reading nothing else of the records.
    static func forEachListing(at url: URL, _ body: ([String]) throws -> Void) throws {
        try forEachLine(at: url) { line, _ in
            let listing = try JSONDecoder().decode(Listing.self, from: line)
            try body((listing.input?.image.map { [$0] } ?? []) + listing.runs.flatMap { $0.artifacts.map(\.path) })
        }
    }

    /// The paths of an entry's line.
    private struct Listing: Decodable {
        struct Input: Decodable { let image: String? }
        struct Artifact: Decodable { let path: String }
        struct Results: Decodable { let artifacts: [Artifact] }
        let input: Input?
        let runs: [Results]
    }

    /// The journal at `url`, open for reading.
    static func open(_ url: URL) throws -> FileHandle {
        do { return try FileHandle(forReadingFrom: url) } catch {
            throw VizError("cannot read the journal: \(error.localizedDescription)", at: url.path)
        }
    }

    /// The entry whose line lies at `range` (as `forEachEntry` or `Writer.append` gave it).
    static func entry(at range: Range<Int>, in handle: FileHandle, of url: URL) throws -> Entry {
        let line = try text(at: range, in: handle, of: url)
        do { return try JSONDecoder().decode(Entry.self, from: line) } catch {
            throw VizError("cannot read the journal's line at byte \(range.lowerBound): \(error)", at: url.path)
        }
    }

    /// The text of the line at `range`.
    static func text(at range: Range<Int>, in handle: FileHandle, of url: URL) throws -> Data {
        do {
            try handle.seek(toOffset: UInt64(range.lowerBound))
            let line = try handle.read(upToCount: range.count) ?? Data()
            guard line.count == range.count else { throw VizError("the line is cut short") }
            return line
        } catch {
            throw VizError("cannot read the journal's line at byte \(range.lowerBound): \(error)", at: url.path)
        }
    }

    // MARK: - Writing

    /// How records are written, in the journal and in `manifest.json`: one to a line, keys sorted.
    static func recordEncoder() -> RecordEncoder {
        RecordEncoder()
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
                let handle = FileHandle(forWritingAtPath: url.path)
            else {
                throw VizError("cannot create the journal", at: url.path)
            }
            self.handle = handle
            _ = try appendLine(header)
        }

        deinit { try? handle.close() }

        /// Appends `entry` as one line; returns the line.
        @discardableResult
        func append(_ entry: Entry) throws -> Line {
            try appendLine(entry)
        }

        /// Appends each entry as one line, in order, encoding them on every core (a batch's
        /// records are most of a checkpoint's work); returns the lines.
        func append(_ entries: [Entry]) throws -> [Line] {
            var encoded = [Result<Data, Error>](repeating: .success(Data()), count: entries.count)
            encoded.withUnsafeMutableBufferPointer { lines in
                DispatchQueue.concurrentPerform(iterations: entries.count) { index in
                    lines[index] = Result { try encodedLine(entries[index]) }
                }
            }
            return try encoded.map { try append(line: $0.get()) }
        }

        /// Appends a line another journal holds, as it is.
        @discardableResult
        func append(line text: Data) throws -> Line {
            do {
                try handle.write(contentsOf: text)
                defer { length += text.count }
                return Line(range: length..<(length + text.count), text: text)
            } catch {
                throw VizError("cannot write the journal: \(error.systemReason)", at: url.path)
            }
        }

        private func appendLine(_ value: some Encodable) throws -> Line {
            try append(line: try encodedLine(value))
        }

        /// `value` as `append` would write it, for `append(line:)` later.
        func encodedLine(_ value: some Encodable) throws -> Data {
            var text: Data
            do { text = try encoder.encode(value) } catch {
                throw VizError("cannot write the journal: \(error.systemReason)", at: url.path)
            }
            text.append(UInt8(ascii: "\n"))
            return text
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
/// Newlines are found with `memchr` over each chunk's bytes: a journal of many megabytes is split
/// at the speed of memory, not a byte at a time.
struct LineReader {
    let handle: FileHandle
    private let chunkSize = 1 << 20

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// Calls `body` with each line and its byte range until it returns false.
    func forEachLine(_ body: (Data, Range<Int>) throws -> Bool) throws {
        var carried = Data()
        var offset = 0
        while true {
            let chunk = try handle.read(upToCount: chunkSize) ?? Data()
            guard !chunk.isEmpty else {
                if !carried.isEmpty { _ = try body(carried, offset..<(offset + carried.count)) }
                return
            }
            let buffer = carried.isEmpty ? chunk : carried + chunk
            let lineEnds = buffer.withUnsafeBytes { bytes in Self.lineEnds(in: bytes) }
            var start = 0
            for end in lineEnds {
                let line = buffer.subdata(in: start..<end)
                guard try body(line, offset..<(offset + line.count)) else { return }
                offset += line.count
                start = end
            }
            carried = buffer.subdata(in: start..<buffer.count)
        }
    }

    /// The offset just past each newline in `bytes`.
    private static func lineEnds(in bytes: UnsafeRawBufferPointer) -> [Int] {
        guard let base = bytes.baseAddress else { return [] }
        var ends: [Int] = []
        var position = 0
        while position < bytes.count, let found = memchr(base + position, Int32(UInt8(ascii: "\n")), bytes.count - position) {
            position = base.distance(to: UnsafeRawPointer(found)) + 1
            ends.append(position)
        }
        return ends
    }
}
