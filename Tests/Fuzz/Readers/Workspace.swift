import Foundation
import VizCore

/// Where a reader under fuzzing finds the committed fixtures and writes each input as a file.
public final class Workspace {
    /// Tests/Fixtures of the checkout.
    public let fixtures: URL
    /// A folder of the process's own, removed by `removeAll`.
    public let scratch: URL

    public init(fixtures: URL) throws {
        self.fixtures = fixtures
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// Tests/Fixtures above `executable` (a build folder of the checkout), or `VIZRUN_FIXTURES`.
    public static func fixtures(above executable: String) -> URL? {
        if let path = ProcessInfo.processInfo.environment["VIZRUN_FIXTURES"] { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("Tests/Fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// Writes `data` to `name` in the scratch folder (creating its folder) and returns the path.
    @discardableResult
    public func write(_ data: Data, to name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    /// Copies a fixture (a path relative to Tests/Fixtures) into the scratch folder as `name`.
    @discardableResult
    func copyFixture(_ fixture: String, to name: String) throws -> String {
        try write(try Data(contentsOf: fixtures.appendingPathComponent(fixture)), to: name)
    }

    /// Copies every file of a fixture folder into the folder `name` of the scratch folder.
    func copyFixtureFolder(_ fixture: String, to name: String) throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(fixture).path) {
            try copyFixture(fixture + "/" + file, to: name + "/" + file)
        }
    }

    public func removeAll() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Runs a loaded model once on a batch of one, when its input is small enough to be quick: a
    /// hostile file's layers must fail with a message when run too, not only when loaded.
    func exercise(_ model: Model) throws {
        let graph = model.graph
        var feeds: [Tensor] = []
        for index in graph.inputNodes {
            let shape = [1] + graph.nodes[index].shape.dropFirst().map { $0 < 0 ? 8 : $0 }
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow, product <= 1 << 14 else { return }
                count = product
            }
            feeds.append(Tensor(shape: shape, repeating: 0.5))
        }
        _ = try graph.evaluate(feeds, targets: model.layers.map(\.outputNode))
    }
}
