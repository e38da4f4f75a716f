import Foundation
import VizCore

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
            let handle = FileHandle(forWritingAtPath: url.path)
        else {
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
            throw VizError("cannot write: \(error.systemReason)", at: url.path)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The pieces of one file, each written to a scratch file of its own in one walk over the
/// entries, then copied into place in order.
final class Sections {
    let files: [TextFile]

    /// `prefix` tells apart the pieces of files written at the same time; it starts with a dot, as
    /// staged files are named by number.
    init(count: Int, in folder: URL, prefix: String) throws {
        files = try (0..<count).map { try TextFile(url: folder.appendingPathComponent("\(prefix)-section-\($0)")) }
    }

    /// Appends piece `index` to `output`, a chunk at a time.
    func copy(_ index: Int, to output: TextOutput) throws {
        try copy(files[index], to: output)
    }

    /// Appends `file`, one of the pieces, to `output`, a chunk at a time.
    func copy(_ file: TextFile, to output: TextOutput) throws {
        try file.close()
        guard let handle = try? FileHandle(forReadingFrom: file.url) else {
            throw VizError("cannot read back a section", at: file.url.path)
        }
        defer { try? handle.close() }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
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
