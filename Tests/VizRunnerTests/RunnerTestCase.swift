import Foundation
import VizCore
import VizRunner
import VizTesting
import XCTest

/// A temporary folder per test, and helpers to write configs into it.
class RunnerTestCase: XCTestCase {
    var folder: URL!

    static let repository = URL(fileURLWithPath: Fixtures.root.path).deletingLastPathComponent().deletingLastPathComponent()
    static let demoModel = repository.appendingPathComponent("Configs/models/scenes_convnet.h5").path
    static let demoImage = repository.appendingPathComponent("Configs/images/chelsea.jpg").path
    static let secondImage = repository.appendingPathComponent("Configs/images/coffee.png").path
    /// Three different photos (a cat at 451×300, a cup of coffee at 200×133 PNG, a 41×31 crop of the
    /// cat shrunk fivefold), so that a test over several inputs fails when their results change places.
    static let distinctPhotos = [demoImage, secondImage, Fixtures.path("images/photo_baseline.jpg")]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes `text` as `name` in the test folder and returns its path.
    @discardableResult
    func write(_ text: String, to name: String = "config.yaml") throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A config over the demo model and image with the given runs section.
    func demoConfig(runs: String, extraInput: String = "", output: String = "out") -> String {
        """
        model: \(Self.demoModel)
        input:
          images: [\(Self.demoImage)]
          scale: 1/255\(extraInput)
        output:
          dir: \(output)
        runs:
        \(runs)
        """
    }

    /// Copies the i-th of `distinctPhotos` to `images/<names[i]>` in the test folder and returns the folder.
    @discardableResult
    func photoFolder(_ names: [String]) throws -> URL {
        precondition(names.count <= Self.distinctPhotos.count, "only \(Self.distinctPhotos.count) distinct photos")
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (name, photo) in zip(names, Self.distinctPhotos) {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: photo), to: images.appendingPathComponent(name))
        }
        return images
    }

    /// A config over `images` with the runs the multi-input tests share: one filter pattern (a run
    /// of no input), conv2d's activations and Grad-CAM. Written as `<output>.yaml`.
    func multiInputConfig(images: String = "images", batchSize: Int = 1, output: String = "out", arrays: Bool = true) throws
        -> String
    {
        try write(
            """
            model: \(Self.demoModel)
            input:
              images: [\(images)]
              scale: 1/255
              batch_size: \(batchSize)
            output:
              dir: \(output)
              arrays: \(arrays)
            runs:
              - visualizer: filters
                layer: conv2d
                filters: 1
                steps: 1
              - visualizer: activations
                layers: [conv2d]
              - visualizer: gradcam
            """, to: "\(output).yaml")
    }

    /// Fails unless every array of an input that `manifest` (of a `multiInputConfig` run written to
    /// `output`) lists, and the input's predictions, equal what that input gets when run alone at
    /// batch size 1. The photos differ, so a batch, resume, shard or merge that hands one input's
    /// results to another fails here.
    func assertEachInputMatchesItsOwnRun(
        _ manifest: Manifest, output: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertFalse(manifest.inputs.isEmpty, "no inputs to compare", file: file, line: line)
        for input in manifest.inputs {
            let soloOutput = "solo-\(input.id)"
            let solo = try Runner(registry: .builtins())
                .run(configAt: try multiInputConfig(images: input.path, output: soloOutput)).manifest()
            XCTAssertEqual(solo.inputs.map(\.id), [input.id], file: file, line: line)
            XCTAssertEqual(manifest.runs.map(\.name), solo.runs.map(\.name), file: file, line: line)
            for (run, soloRun) in zip(manifest.runs, solo.runs) {
                let arrays = run.artifacts.filter { $0.input == input.id && $0.kind == "array" }
                let soloArrays = soloRun.artifacts.filter { $0.input == input.id && $0.kind == "array" }
                XCTAssertEqual(arrays.map(\.path), soloArrays.map(\.path), "\(run.name) \(input.id)", file: file, line: line)
                for artifact in arrays {
                    let written = try Tensor(
                        npyFileAt: folder.appendingPathComponent(output).appendingPathComponent(artifact.path).path)
                    let alone = try Tensor(
                        npyFileAt: folder.appendingPathComponent(soloOutput).appendingPathComponent(artifact.path).path)
                    // Equal to float32 rounding: a batched convolution sums in another order than a single one.
                    assertClose(written, alone, tolerance: 1e-4, artifact.path, file: file, line: line)
                }
                let top = run.predictions?.first { $0.input == input.id }?.top ?? []
                let soloTop = soloRun.predictions?.first { $0.input == input.id }?.top ?? []
                XCTAssertEqual(
                    top.map(\.classIndex), soloTop.map(\.classIndex), "\(run.name) \(input.id)", file: file, line: line)
                for (score, soloScore) in zip(top.map(\.score), soloTop.map(\.score)) {
                    XCTAssertEqual(score, soloScore, accuracy: 1e-5, "\(run.name) \(input.id)", file: file, line: line)
                }
            }
        }
    }

    /// Fails unless the array at `path` in the test folder is conv2d's output for chelsea.jpg as Keras computes it.
    func assertConv2DOfChelseaMatchesKeras(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let keras = try Fixtures.tensor("models/seed/outputs/01_conv2d.npy")
        let written = try Tensor(npyFileAt: folder.appendingPathComponent(path).path)
        assertClose(written, keras.reshaped(Array(keras.shape.dropFirst())), tolerance: 1e-4, path, file: file, line: line)
    }

    /// Each channel's mean over every position of an array whose last axis is the channels, in Double:
    /// the numbers vizrun's statistics and aggregates are checked against.
    func channelMeans(_ tensor: Tensor) -> [Double] {
        let channels = tensor.shape.last ?? 1
        var sums = [Double](repeating: 0, count: channels)
        for (index, value) in tensor.scalars.enumerated() { sums[index % channels] += Double(value) }
        return sums.map { $0 / Double(tensor.count / channels) }
    }

    /// The regular files under `url` (hidden ones included), as sorted paths relative to it; none when it does not exist.
    func files(under url: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        let prefix = url.resolvingSymlinksInPath().path + "/"
        return walker.compactMap { item -> String? in
            guard let file = item as? URL, (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else {
                return nil
            }
            return String(file.resolvingSymlinksInPath().path.dropFirst(prefix.count))
        }.sorted()
    }

    var executable: URL { VizrunCommand.executable }

    func vizrun(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try VizrunCommand.run(arguments, file: file, line: line)
    }

    /// Every file under the test folder with its contents.
    func snapshot() throws -> [String: Data] {
        var contents: [String: Data] = [:]
        for path in files(under: folder) { contents[path] = try Data(contentsOf: folder.appendingPathComponent(path)) }
        return contents
    }

    /// Runs the command and checks it refuses: exactly `message` on stderr (at `location`), exit status
    /// 1, and every file in the test folder as it was. `quoting` is the config line the command
    /// prints under the message, with a caret under the column.
    func assertRefused(
        _ arguments: [String], at location: String?, _ message: String, quoting configLine: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let before = try snapshot()
        let result = try vizrun(arguments + ["--quiet"], file: file, line: line)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        var excerpt = ""
        if let configLine, let column = location?.split(separator: ":").last.flatMap({ Int($0) }) {
            excerpt = configLine + "\n" + String(repeating: " ", count: column - 1) + "^\n"
        }
        XCTAssertEqual(
            result.stderr, "vizrun: " + (location.map { "\($0): " } ?? "") + "error: \(message)\n" + excerpt, file: file,
            line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        let after = try snapshot()
        XCTAssertEqual(after.keys.sorted(), before.keys.sorted(), "files were added or removed", file: file, line: line)
        for (path, data) in before where after[path] != data {
            XCTFail("\(path) changed", file: file, line: line)
        }
    }

    /// Runs the config and returns the error it must raise.
    func runError(_ path: String, force: Bool = false, file: StaticString = #filePath, line: UInt = #line) -> VizError? {
        vizError({ try Runner(registry: .builtins()).run(configAt: path, force: force) }, file: file, line: line)
    }
}
