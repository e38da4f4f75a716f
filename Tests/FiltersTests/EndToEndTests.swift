import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// A config carried out by the `vizrun` command (Runner.run(configAt:) behind it), into a temporary
/// folder. FiltersTests does not link VizRunner, so the command built beside the tests is run.
final class EndToEndTests: XCTestCase {
    static let repository = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    func testConfigWritesPatternsAndGrid() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("filters-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.yaml")
        try """
        model: \(Fixtures.path("models/k2_sequential/model.h5"))
        input:
          images: [\(Self.repository.appendingPathComponent("Configs/images/chelsea.jpg").path)]
          scale: 1/255
        output:
          dir: out
        runs:
          - visualizer: filters
            layer: conv2d_1
            filters: [2, 5, 9]
            steps: 4
            batch: 2
            tile: 16
          - visualizer: filters
            name: adam
            layer: conv2d
            filters: 2
            steps: 2
            optimizer: adam
            learning_rate: 0.1
            modifiers: {jitter: 2}
        """.write(to: config, atomically: true, encoding: .utf8)

        let result = try VizrunCommand.run([config.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)

        let out = folder.appendingPathComponent("out")
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.runs.map(\.name), ["filters", "adam"])
        let artifacts = manifest.runs[0].artifacts
        let patterns = artifacts.filter { $0.role == "pattern" }
        XCTAssertEqual(patterns.map(\.filter), [2, 2, 5, 5, 9, 9])
        XCTAssertEqual(patterns.map(\.kind), ["array", "image", "array", "image", "array", "image"])
        XCTAssertEqual(patterns.first?.path, "filters/conv2d_1/filter_2.npy")
        XCTAssertEqual(patterns.first?.shape, [32, 32, 3])
        XCTAssertTrue(patterns.allSatisfy { $0.layer == "conv2d_1" && $0.input == nil })
        let grids = artifacts.filter { $0.role == "grid" }
        XCTAssertEqual(grids.map(\.path), ["filters/conv2d_1/grid.png"])
        XCTAssertEqual(manifest.runs[1].artifacts.filter { $0.role == "pattern" }.map(\.filter), [0, 0, 1, 1])
        for artifact in manifest.runs.flatMap(\.artifacts) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(artifact.path).path), artifact.path)
        }
        let pattern = try Tensor(npyFileAt: out.appendingPathComponent("filters/conv2d_1/filter_2.npy").path)
        XCTAssertTrue(pattern.scalars.allSatisfy(\.isFinite))
    }
}
