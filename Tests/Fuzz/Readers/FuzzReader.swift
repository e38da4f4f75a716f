import Foundation
import HDF5Loader
import KerasLoader
import ONNXLoader
import RawLoader
import VizCore
import VizImage
import VizRunner

/// A reader of hostile bytes, as the fuzz targets of Tests/Fuzz drive it and the regression tests
/// replay the inputs they found (Tests/Fixtures/fuzz/<name>/). An input is read, or refused with a
/// `VizError`; anything else (another error, a trap, a sanitizer report) is a finding.
public struct FuzzReader {
    /// The folder of its fuzz target, and of its regression inputs.
    public let name: String
    /// Puts what the reader needs beside the input into the workspace; called once.
    let prepare: (Workspace) throws -> Void
    /// Reads one input.
    let read: (Data, Workspace) throws -> Void

    /// Prepares `workspace` for this reader; returns the function that reads an input there.
    public func reader(in workspace: Workspace) throws -> (Data) throws -> Void {
        try prepare(workspace)
        return { data in try read(data, workspace) }
    }

    public static let all = [hdf5Model, kerasArchive, rawArchitecture, rawWeights, image, runConfig, journal, onnxModel]

    /// The first byte picks one of `count` ways to read the rest, so one corpus covers them all.
    static func split(_ data: Data, ways count: Int) -> (way: Int, rest: Data) {
        guard let first = data.first else { return (0, Data()) }
        return (Int(first) % count, data.dropFirst())
    }

    /// The model fixture, labels and photos the config readers find beside their input.
    static func prepareRunFiles(_ workspace: Workspace) throws {
        try workspace.copyFixture("models/k2_sequential/model.h5", to: "model.h5")
        try workspace.copyFixture("images/photo_baseline.jpg", to: "photo.jpg")
        try workspace.copyFixture("images/photo_rgb.png", to: "photo.png")
        try workspace.write(Data("a\nb\nc\nd\ne\n".utf8), to: "labels.txt")
    }
}

extension FuzzReader {
    /// The Keras HDF5 model reader: the input is an `.h5` file, read by libhdf5 through the `hdf5`
    /// loader (config JSON, attributes, dataset shapes and types, weight names), then run once.
    public static let hdf5Model = FuzzReader(name: "HDF5Model", prepare: { _ in }) { data, workspace in
        try workspace.exercise(try HDF5ModelLoader().load(ModelSpec(path: try workspace.write(data, to: "model.h5"))))
    }

    /// The `.keras` archive reader: a ZIP of config.json, metadata.json and model.weights.h5, read
    /// through the `keras` loader, then run once.
    public static let kerasArchive = FuzzReader(name: "KerasArchive", prepare: { _ in }) { data, workspace in
        try workspace.exercise(try KerasArchiveLoader().load(ModelSpec(path: try workspace.write(data, to: "model.keras"))))
    }

    /// The raw loader's architecture file: YAML or JSON (first byte 0 or 1), beside the weights of
    /// the fixtures the seeds come from, loaded through the `raw` loader and run once.
    public static let rawArchitecture = FuzzReader(
        name: "RawArchitecture",
        prepare: { workspace in
            let weights = [
                "raw/keras/k2_sequential.safetensors", "raw/keras/k2_functional.npz", "raw/pytorch/model.safetensors",
                "raw/pytorch/model.bin",
            ]
            for fixture in weights { try workspace.copyFixture(fixture, to: URL(fileURLWithPath: fixture).lastPathComponent) }
        }
    ) { data, workspace in
        let (way, text) = split(data, ways: 2)
        let path = try workspace.write(text, to: way == 0 ? "model.yaml" : "model.json")
        try workspace.exercise(try RawModelLoader().load(ModelSpec(path: path)))
    }

    /// Per format of `rawWeights`: the architecture fixture and the name the input is written to.
    static let weightFormats: [(architecture: String, weights: String)] = [
        ("raw/keras/k2_sequential.yaml", "model.safetensors"),
        ("raw/keras/k2_functional.yaml", "model.npz"),
        ("raw/pytorch/model.yaml", "npy/conv1.weight.npy"),
        ("raw/pytorch/model_bin.yaml", "model.bin"),
    ]

    /// The raw loader's weight files: the first byte picks the format of the rest (safetensors,
    /// .npz, one .npy of a folder, raw float32), read against the architecture fixture whose
    /// weights the seeds are, through the `raw` loader; then run once.
    public static let rawWeights = FuzzReader(
        name: "RawWeights", prepare: { try $0.copyFixtureFolder("raw/pytorch/npy", to: "npy") }
    ) { data, workspace in
        let (way, bytes) = split(data, ways: weightFormats.count)
        let (architecture, weights) = weightFormats[way]
        let path = try workspace.write(bytes, to: weights)
        let spec = ModelSpec(
            path: way == 2 ? URL(fileURLWithPath: path).deletingLastPathComponent().path : path,
            architecture: workspace.fixtures.appendingPathComponent(architecture).path)
        try workspace.exercise(try RawModelLoader().load(spec))
    }

    /// The image decoders (libjpeg-turbo; libpng with 8 and 16 bits, grey, palette, alpha,
    /// interlacing): an encoded image decoded in colour and in grey, then resized as inputs are.
    public static let image = FuzzReader(name: "Image", prepare: { _ in }) { data, _ in
        for mode in [ColorMode.rgb, .grayscale] {
            _ = try Bitmap(encodedImage: data, colorMode: mode, source: "input").resized(width: 5, height: 7, filter: .bilinear)
        }
    }

    /// The YAML run config, decoded in full as `vizrun validate` does: the document, the model and
    /// input sections, every run's options into its visualizer's typed options against the model,
    /// the references between runs, and the inputs; the files the seeds name lie beside it.
    public static let runConfig = FuzzReader(name: "RunConfig", prepare: prepareRunFiles) { data, workspace in
        let runner = Runner(registry: .builtins())
        try runner.checkInputs(of: try runner.plan(configAt: try workspace.write(data, to: "config.yaml")))
    }

    /// The journal and manifest readers of `vizrun merge` (and of a rerun, which reads them the same
    /// way): a real output folder (of Tests/Fuzz/Readers/journal-run.yaml) has its
    /// `.vizrun-journal.jsonl` replaced by the input (first byte 0), or its journal removed and
    /// `manifest.json` replaced (first byte 1, as an older vizrun left it), and is merged.
    public static let journal = FuzzReader(
        name: "Journal",
        prepare: { workspace in
            try prepareRunFiles(workspace)
            let config = workspace.fixtures.deletingLastPathComponent().appendingPathComponent("Fuzz/Readers/journal-run.yaml")
            try Runner(registry: .builtins()).run(configAt: try workspace.write(try Data(contentsOf: config), to: "run.yaml"))
            for name in [".vizrun-journal.jsonl", "manifest.json"] {
                try FileManager.default.copyItem(
                    at: workspace.scratch.appendingPathComponent("shard/" + name),
                    to: workspace.scratch.appendingPathComponent("original-" + name))
            }
        }
    ) { data, workspace in
        let shard = workspace.scratch.appendingPathComponent("shard")
        let merged = workspace.scratch.appendingPathComponent("merged")
        defer {
            for name in [".vizrun-journal.jsonl", "manifest.json"] {
                try? FileManager.default.removeItem(at: shard.appendingPathComponent(name))
                try? FileManager.default.copyItem(
                    at: workspace.scratch.appendingPathComponent("original-" + name), to: shard.appendingPathComponent(name))
            }
            try? FileManager.default.removeItem(at: merged)
        }
        let (way, bytes) = split(data, ways: 2)
        if way == 1 { try FileManager.default.removeItem(at: shard.appendingPathComponent(".vizrun-journal.jsonl")) }
        try bytes.write(to: shard.appendingPathComponent(way == 0 ? ".vizrun-journal.jsonl" : "manifest.json"))
        try ShardMerge.merge([shard.path], into: merged.path)
    }

    /// The fixture whose external data the ONNX seeds use.
    static let onnxFixture = "onnx/mix2_dynamo/"

    /// The ONNX reader: protobuf decoding, initializers (raw_data, typed fields) and external data.
    /// With first byte 0 the input is `model.onnx`, beside the fixture's `model.onnx.data`; with 1
    /// it is that `model.onnx.data`, beside the fixture's model. Loaded through the `onnx` loader
    /// and run once.
    public static let onnxModel = FuzzReader(name: "ONNXModel", prepare: { _ in }) { data, workspace in
        let (way, bytes) = split(data, ways: 2)
        let model =
            try way == 0
            ? workspace.write(bytes, to: "model.onnx") : workspace.copyFixture(onnxFixture + "model.onnx", to: "model.onnx")
        if way == 0 {
            try workspace.copyFixture(onnxFixture + "model.onnx.data", to: "model.onnx.data")
        } else {
            try workspace.write(bytes, to: "model.onnx.data")
        }
        try workspace.exercise(try ONNXModelLoader().load(ModelSpec(path: model)))
    }
}
