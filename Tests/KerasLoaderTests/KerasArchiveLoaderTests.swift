import Foundation
import HDF5Loader
import KerasLoader
import KerasTestSupport
import VizCore
import XCTest
import ZIPFoundation

/// `.keras` archives and nested models that cannot be loaded: each must fail with one `VizError`
/// that names the file and the part that is wrong, never a crash.
final class KerasArchiveLoaderTests: TemporaryFilesTestCase {
    private let archiveFixture = "nested_sequential_k3_keras"

    func testRegistersForTheKerasExtension() throws {
        let registry = Registry()
        try registry.register(loader: HDF5ModelLoader.self)
        try registry.register(loader: KerasArchiveLoader.self)
        XCTAssertTrue(try registry.loader(for: ModelSpec(path: "/models/cats.keras")) is KerasArchiveLoader)
        XCTAssertTrue(try registry.loader(for: ModelSpec(path: "/models/cats.weights.h5")) is HDF5ModelLoader)
    }

    func testDamagedArchives() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try FixtureReference(archiveFixture, in: "formats").modelPath))
        let garbage = temporaryPath("garbage.keras")
        try Data(repeating: 0x42, count: 3000).write(to: URL(fileURLWithPath: garbage))
        assertVizError(try load(garbage), at: garbage, "is not a readable .keras file")
        for fraction in [0.1, 0.5, 0.99] {
            let path = temporaryPath("truncated-\(fraction).keras")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: URL(fileURLWithPath: path))
            assertVizError(try load(path), at: path, "is not a readable .keras file")
        }
        let missing = temporaryPath("missing.keras")
        assertVizError(try load(missing), at: missing, "no such file")
    }

    func testArchivesWithoutConfigOrWeights() throws {
        let noConfig = try rebuiltArchive("no-config.keras", leavingOut: "config.json")
        assertVizError(try load(noConfig), at: noConfig, "the .keras archive has no config.json")
        let noWeights = try rebuiltArchive("no-weights.keras", leavingOut: "model.weights.h5")
        assertVizError(try load(noWeights), at: noWeights, "the .keras archive has no model.weights.h5")

        let npzWeights = temporaryPath("npz-weights.keras")
        let archive = try Archive(url: URL(fileURLWithPath: npzWeights), accessMode: .create)
        for (member, text) in [("config.json", "{}"), ("model.weights.npz", "PK")] {
            let data = Data(text.utf8)
            try archive.addEntry(with: member, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        assertVizError(try load(npzWeights), at: npzWeights, "stores its weights as model.weights.npz")
    }

    func testConfigThatIsNotJSON() throws {
        let config = temporaryPath("config.json")
        try Data("{\"class_name\": ".utf8).write(to: URL(fileURLWithPath: config))
        let archive = try rebuiltArchive("bad-config.keras", replacing: "config.json", with: config)
        assertVizError(try load(archive), at: archive, "config.json in the .keras archive is not valid JSON")
    }

    func testNestedModelWithoutWeights() throws {
        // In an archive: the base's group `layers/functional` is gone from model.weights.h5.
        let weights = temporaryPath("model.weights.h5")
        try extract("model.weights.h5", of: try fixturePath(archiveFixture), to: weights)
        try HDF5TestWriter(editing: weights).deleteLink("/layers/functional")
        let archive = try rebuiltArchive("no-base.keras", replacing: "model.weights.h5", with: weights)
        assertVizError(
            try load(archive), at: "\(archive)/model.weights.h5",
            "the weights of nested model 'conv_base' are missing: there is no group /layers/functional/layers")

        // In a legacy .h5: the base's group under /model_weights is gone.
        let legacy = try copyOfFixtureModel(try FixtureReference("nested_sequential_k2", in: "formats"))
        try HDF5TestWriter(editing: legacy).deleteLink("/model_weights/conv_base")
        assertVizError(
            try load(legacy), at: legacy,
            "the weights of nested model 'conv_base' are missing: there is no group /model_weights/conv_base")

        // One inner layer's weights gone from the base's group.
        let partial = try copyOfFixtureModel(try FixtureReference("nested_sequential_k3", in: "formats"))
        do {
            let writer = try HDF5TestWriter(editing: partial)
            try writer.deleteAttribute("weight_names", on: "/model_weights/conv_base")
            try writer.setStrings(
                ["block1_conv1/kernel", "block1_conv1/bias"], attribute: "weight_names",
                on: "/model_weights/conv_base", storage: .variableLength)
        }
        assertVizError(
            try load(partial), at: partial,
            "layer 'conv_base/block1_conv2' needs a weight 'kernel', but /model_weights/conv_base holds none")
    }

    // MARK: - Helpers

    private func load(_ path: String) throws -> Model {
        let spec = ModelSpec(path: path)
        return path.hasSuffix(".keras") ? try KerasArchiveLoader().load(spec) : try HDF5ModelLoader().load(spec)
    }

    private func fixturePath(_ fixture: String) throws -> String {
        try FixtureReference(fixture, in: "formats").modelPath
    }

    private func extract(_ member: String, of archivePath: String, to path: String) throws {
        let archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
        _ = try archive.extract(try XCTUnwrap(archive[member]), to: URL(fileURLWithPath: path))
    }

    /// A copy of the fixture archive without `leftOut`, or with `replaced` taken from the file at `replacement`.
    private func rebuiltArchive(
        _ name: String, leavingOut leftOut: String? = nil, replacing replaced: String? = nil,
        with replacement: String? = nil
    ) throws -> String {
        let source = try Archive(url: URL(fileURLWithPath: try fixturePath(archiveFixture)), accessMode: .read)
        let path = temporaryPath(name)
        let target = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for entry in source where entry.path != leftOut {
            var data = Data()
            if entry.path == replaced, let replacement {
                data = try Data(contentsOf: URL(fileURLWithPath: replacement))
            } else {
                _ = try source.extract(entry) { data.append($0) }
            }
            try target.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return path
    }
}
