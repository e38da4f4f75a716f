import VizCore

/// What the output says over every input, gathered in one walk over the entries when a run or a
/// merge ends: each activations run's channel means, each Grad-CAM run's contact sheet, the class
/// labels the predictions name, and how many inputs there are. Memory holds sums and a tile per
/// input, never the records.
struct Aggregates {
    private let runs: [(name: String, visualizer: String)]
    private var channelMeans: [Int: ChannelMeans.Accumulator] = [:]
    private var tiles: [Int: [ContactSheet.Entry]] = [:]
    /// Each class's first label in any input's predictions.
    private(set) var labels: [Int: String] = [:]
    private(set) var inputCount = 0
    private var artifactCounts: [Int]

    init(runs: [Manifest.RunRecord]) {
        self.runs = runs.map { ($0.name, $0.visualizer) }
        artifactCounts = Array(repeating: 0, count: runs.count)
    }

    /// Counts the entry's artifacts; an input's results also feed the aggregates.
    mutating func add(_ entry: Journal.Entry) {
        for (run, results) in zip(runs.indices, entry.runs) { artifactCounts[run] += results.artifacts.count }
        guard let input = entry.input else { return }
        inputCount += 1
        for (run, results) in zip(runs.indices, entry.runs) {
            switch runs[run].visualizer {
            case "activations": channelMeans[run, default: ChannelMeans.Accumulator()].add(results.artifacts)
            case "gradcam": if let tile = ContactSheet.entry(input: input.id, results: results) { tiles[run, default: []].append(tile) }
            default: break
            }
            for prediction in (results.predictions ?? []).flatMap(\.top) where labels[prediction.classIndex] == nil {
                labels[prediction.classIndex] = prediction.label
            }
        }
    }

    func artifactCount(ofRun run: Int) -> Int {
        artifactCounts[run]
    }

    /// The run's layers averaged over two inputs or more.
    func channelMeans(ofRun run: Int) -> [ChannelMeans] {
        (channelMeans[run]?.result ?? []).filter { $0.inputCount > 1 }
    }

    /// The run's contact sheet tiles, best first; none under two inputs.
    func contactSheet(ofRun run: Int) -> [ContactSheet.Entry] {
        ContactSheet.sorted(tiles[run] ?? [])
    }

    /// Writes every aggregate's files; returns the entry listing them, if there are any (which
    /// `add` should count).
    func write(folder: OutputFolder) throws -> Journal.Entry? {
        var entry = Journal.Entry(input: nil, runCount: runs.count)
        for run in runs.indices {
            entry.runs[run].artifacts = try ChannelMeans.write(channelMeans(ofRun: run), run: runs[run].name, folder: folder)
                + ContactSheet.write(contactSheet(ofRun: run), run: runs[run].name, folder: folder)
        }
        return entry.runs.allSatisfy(\.isEmpty) ? nil : entry
    }
}
