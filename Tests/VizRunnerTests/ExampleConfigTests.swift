import Foundation
import VizCore
import VizRunner
import XCTest

/// Every config under Configs/ runs as shipped (into a temporary folder).
final class ExampleConfigTests: RunnerTestCase {
    func testEveryExampleConfigRuns() throws {
        let configs = Self.repository.appendingPathComponent("Configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: configs.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let output = folder.appendingPathComponent(name)
            let manifest = try Runner(registry: .builtins())
                .run(configAt: configs.appendingPathComponent(name).path, outputDirectory: output.path).manifest()
            XCTAssertFalse(manifest.runs.flatMap(\.artifacts).isEmpty, name)
            for artifact in manifest.runs.flatMap(\.artifacts) {
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: output.appendingPathComponent(artifact.path).path),
                    "\(name): \(artifact.path)")
            }
        }
    }
}
