import Foundation
import VizCore
import VizRunner
import XCTest

/// Docs/config.md lists exactly the keys vizrun accepts: each key table (marked
/// `<!-- keys: NAME -->`) against the keys the real decoder of that mapping reads, as its
/// unknown-key error lists them. A key added to a decoder and not to the page, or documented and
/// not read, fails here.
final class ConfigReferenceTests: RunnerTestCase {
    static let page = repository.appendingPathComponent("Docs/config.md")
    /// A key no decoder reads and none is close to, so the error lists every known key.
    static let stray = "zzzz: 1"

    /// Per documented mapping: configs whose only fault is the stray key in that mapping. Several
    /// where a decoder reads some keys on one path only (a filters objective is a neuron or a class).
    var probes: [String: [String]] {
        let demo = Self.demoModel
        func runs(_ text: String) -> String { demoConfig(runs: text) }
        return [
            "top level": [runs("  - visualizer: activations") + "\n\(Self.stray)"],
            "model": [
                runs("  - visualizer: activations")
                    .replacingOccurrences(of: "model: \(demo)", with: "model: {path: \(demo), \(Self.stray)}")
            ],
            "input": [demoConfig(runs: "  - visualizer: activations", extraInput: "\n  \(Self.stray)")],
            "output": [demoConfig(runs: "  - visualizer: activations", output: "out\n  \(Self.stray)")],
            "run": [],
            "activations": [runs("  - visualizer: activations\n    \(Self.stray)")],
            "activations.layers": [runs("  - visualizer: activations\n    layers: {first: 1, \(Self.stray)}")],
            "gradcam": [runs("  - visualizer: gradcam\n    \(Self.stray)")],
            "saliency": [runs("  - visualizer: saliency\n    \(Self.stray)")],
            "target": [runs("  - visualizer: gradcam\n    target: {output: 0, \(Self.stray)}")],
            "metrics": [runs("  - visualizer: saliency\n    metrics: {names: [road], \(Self.stray)}")],
            "metrics run": [
                runs(
                    "  - visualizer: gradcam\n    name: c\n  - visualizer: metrics\n    maps: {from: c}\n"
                        + "    metrics: [deletion]\n    \(Self.stray)")
            ],
            "maps reference": [
                runs(
                    "  - visualizer: gradcam\n    name: c\n  - visualizer: metrics\n    maps: {from: c, \(Self.stray)}\n"
                        + "    metrics: [deletion]")
            ],
            "filters": [
                runs("  - visualizer: filters\n    layer: conv2d\n    \(Self.stray)"),
                runs("  - visualizer: filters\n    objective: {layer: conv2d}\n    \(Self.stray)"),
            ],
            "filters.start": [runs("  - visualizer: filters\n    layer: conv2d\n    start: {\(Self.stray)}")],
            "filters.objective": [
                runs("  - visualizer: filters\n    layer: conv2d\n    objective: {neuron: [0, 0], \(Self.stray)}"),
                runs("  - visualizer: filters\n    objective: {class: 0, \(Self.stray)}"),
            ],
            "filters.regularizers": [runs("  - visualizer: filters\n    layer: conv2d\n    regularizers: {\(Self.stray)}")],
            "filters.regularizers.norm": [
                runs("  - visualizer: filters\n    layer: conv2d\n    regularizers: {norm: {weight: 1, \(Self.stray)}}")
            ],
            "filters.modifiers": [runs("  - visualizer: filters\n    layer: conv2d\n    modifiers: {\(Self.stray)}")],
            "filters.parameterization": [
                runs("  - visualizer: filters\n    layer: conv2d\n    parameterization: {kind: fft, \(Self.stray)}"),
                runs("  - visualizer: filters\n    layer: conv2d\n    parameterization: {kind: laplacian, \(Self.stray)}"),
            ],
            "filters.objective.term": [
                runs("  - visualizer: filters\n    objective: {neuron: {layer: conv2d, index: 0, \(Self.stray)}}"),
                runs(
                    "  - visualizer: filters\n    objective: {sum: [{direction: {layer: conv2d, vector: v.npy, \(Self.stray)}}]}"),
            ],
            "filters.transforms.pad": [
                runs("  - visualizer: filters\n    layer: conv2d\n    transforms: [{pad: {width: 1, \(Self.stray)}}]")
            ],
            "filters.optimizer.adam": [
                runs("  - visualizer: filters\n    layer: conv2d\n    optimizer: {adam: {\(Self.stray)}}")
            ],
            "filters.gif": [runs("  - visualizer: filters\n    layer: conv2d\n    gif: {\(Self.stray)}")],
            "class reference": [
                runs("  - visualizer: gradcam\n    name: p\n  - visualizer: gradcam\n    class: {from: p, \(Self.stray)}")
            ],
            "filters reference": [
                runs(
                    "  - visualizer: activations\n    name: a\n  - visualizer: filters\n    layer: conv2d\n"
                        + "    filters: {from: a, most_active: 1, \(Self.stray)}")
            ],
        ]
    }

    /// A run's own mapping also holds the keys every run has.
    static let runMappings: Set = ["activations", "gradcam", "saliency", "filters", "metrics run"]

    func testEveryKeyTableMatchesItsDecoder() throws {
        let documented = try Self.documentedKeys()
        XCTAssertEqual(Set(documented.keys), Set(probes.keys), "key tables in config.md against the mappings probed here")
        XCTAssertEqual(documented["run"], ["visualizer", "name"])
        for (name, configs) in probes.sorted(by: { $0.key < $1.key }) where !configs.isEmpty {
            var accepted: Set<String> = []
            for config in configs { accepted.formUnion(try acceptedKeys(config, probing: name)) }
            if Self.runMappings.contains(name) { accepted.subtract(documented["run"] ?? []) }
            let listed = Set(documented[name] ?? [])
            XCTAssertEqual(accepted.subtracting(listed), [], "\(name): read by vizrun, missing from config.md")
            XCTAssertEqual(listed.subtracting(accepted), [], "\(name): in config.md, not read by vizrun")
        }
    }

    func testTheTableParserFindsEveryRow() throws {
        let documented = try Self.documentedKeys()
        XCTAssertEqual(
            documented["input"],
            [
                "images", "size", "resize", "color", "scale", "offset", "mean", "std", "preset", "layout",
                "batch_size",
            ])
        XCTAssertEqual(documented["filters.start"], ["low", "high", "seed", "image"])
    }

    /// The keys the decoder reached by `config` knows, from its error about the stray key.
    func acceptedKeys(_ config: String, probing name: String) throws -> Set<String> {
        let path = try write(config)
        do {
            _ = try Runner(registry: .builtins()).plan(configAt: path)
            XCTFail("\(name): the stray key was accepted")
            return []
        } catch let error as VizError {
            let marker = "unknown key 'zzzz'; known keys: "
            guard let start = error.message.range(of: marker) else {
                XCTFail("\(name): expected the unknown-key error, got \(error)")
                return []
            }
            let list = error.message[start.upperBound...].prefix { $0 != "\n" && $0 != "(" }
            return Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
    }

    /// Per `<!-- keys: NAME -->` marker in config.md: the backquoted names in the first column of
    /// the table below it, in order.
    static func documentedKeys() throws -> [String: [String]] {
        let lines = try String(contentsOf: page, encoding: .utf8).components(separatedBy: "\n")
        var tables: [String: [String]] = [:]
        for (index, line) in lines.enumerated() {
            guard line.hasPrefix("<!-- keys: "), line.hasSuffix(" -->") else { continue }
            let name = String(line.dropFirst("<!-- keys: ".count).dropLast(" -->".count))
            XCTAssertNil(tables[name], "two tables for \(name)")
            let rows = lines[(index + 1)...].prefix { $0.hasPrefix("|") }.dropFirst(2)
            XCTAssertFalse(rows.isEmpty, "no table under the marker for \(name)")
            tables[name] = rows.flatMap { row -> [String] in
                let cell = row.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
                return cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            }
        }
        return tables
    }
}
