import Foundation
import VizCore

/// An `AggregateOutput` over a temporary folder, for testing an aggregate without a run: the files
/// it writes land there (`files`, by artifact), and its report tables are kept in memory.
public final class CollectingAggregateOutput: AggregateOutput {
    /// Where the files go; also a folder for a test's `InputResults` to read from.
    public let folder: URL
    public private(set) var files: [(artifact: Artifact, kind: String, url: URL)] = []
    public private(set) var tables: [ReportTable] = []

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-aggregate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    public func newFile(_ artifact: Artifact, kind: String, ext: String, shape: [Int]?) throws -> URL {
        let url = folder.appendingPathComponent("_aggregate-\(files.count)\(ext)")
        files.append((artifact, kind, url))
        return url
    }

    public func add(_ table: ReportTable) { tables.append(table) }
}
