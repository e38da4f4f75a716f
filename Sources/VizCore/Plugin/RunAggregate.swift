import Foundation

/// What one run says over all its inputs, when its visualizer provides one
/// (`Visualizer.makeAggregate`): it folds each input's records, writes its files when the inputs
/// are done, and may hand what it found to later runs.
///
/// It works from the records alone (and the files they name), never from the model, so a resumed
/// run and `vizrun merge` get what one run over every input would.
public protocol RunAggregate: AnyObject {
    /// One input's results in this run, in input order, once their files are in place (an
    /// aggregate may read them back: `InputResults.file(of:)`).
    func add(_ results: InputResults) throws

    /// Writes the aggregate's files and report tables; nothing when it has nothing to say (one input).
    func write(to output: AggregateOutput) throws

    /// What later runs that refer to this one receive (`{from: RUN}`).
    func results(ofRun run: String) -> RunResults
}

// MARK: - Default implementations

extension RunAggregate {
    public func results(ofRun run: String) -> RunResults { RunResults(run: run) }
}

// MARK: - What an aggregate reads and writes

/// One input's results in one run: the artifacts written for it and its best predictions, best first.
public struct InputResults: Sendable {
    public let input: String
    public let artifacts: [ArtifactRecord]
    public let predictions: [Prediction]
    /// The output folder the artifacts' paths are relative to, to read their files back.
    public let folder: URL

    public init(input: String, artifacts: [ArtifactRecord], predictions: [Prediction], folder: URL) {
        self.input = input
        self.artifacts = artifacts
        self.predictions = predictions
        self.folder = folder
    }

    /// The file of `artifact`.
    public func file(of artifact: ArtifactRecord) -> URL {
        folder.appendingPathComponent(artifact.path)
    }
}

/// Where an aggregate writes: files under the run's `_aggregate/` folder, listed in the manifest
/// as artifacts of no input, and tables the report shows beside them.
public protocol AggregateOutput: AnyObject {
    /// A new file for `artifact` (its `name` under `<run>/_aggregate/`, with `ext`); the aggregate
    /// writes it, and the manifest lists it with `kind` and `shape` once the run ends.
    func newFile(_ artifact: Artifact, kind: String, ext: String, shape: [Int]?) throws -> URL

    /// A table for the report, shown with the artifacts of `table.layer` (or of no layer).
    func add(_ table: ReportTable)
}

extension AggregateOutput {
    /// Writes `array` as a float32 `.npy`.
    public func add(_ artifact: Artifact, array: Tensor) throws {
        try write(array.npyData(), to: newFile(artifact, kind: "array", ext: ".npy", shape: array.shape))
    }

    /// Writes rows of cells as a `.csv` file, the first row the header.
    public func add(_ artifact: Artifact, csv rows: [[String]]) throws {
        let text = rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try write(Data(text.utf8), to: newFile(artifact, kind: "table", ext: ".csv", shape: nil))
    }

    private func write(_ data: Data, to file: URL) throws {
        do { try FileWriting.write(data, toFile: file.path) } catch {
            throw VizError("cannot write: \(error.localizedDescription)", at: file.path)
        }
    }
}

/// A table the report shows folded under its summary line; `bars`, when given, draws a bar per row
/// scaled to the largest magnitude.
public struct ReportTable: Sendable, Equatable {
    public let layer: String?
    public let summary: String
    public let columns: [String]
    public let rows: [[String]]
    public let bars: [Float]?

    public init(layer: String?, summary: String, columns: [String], rows: [[String]], bars: [Float]? = nil) {
        self.layer = layer
        self.summary = summary
        self.columns = columns
        self.rows = rows
        self.bars = bars
    }

    /// A number as report tables write it: four significant digits.
    public static func number(_ value: Float) -> String {
        String(format: "%.4g", value)
    }
}
