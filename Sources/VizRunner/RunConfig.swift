import Foundation
import VizCore
import VizImage

/// A decoded run config: the user's contract (see Docs/config.md). Paths are absolute, resolved
/// against the config file's folder.
public struct RunConfig {
    public var file: String
    public var model: ModelSpec
    public var input: InputConfig
    public var output: OutputConfig
    public var runs: [RunSpec]
    /// Plugin shared libraries to load before the model and runs are resolved.
    public var plugins: [String]

    public struct InputConfig {
        /// Image or `.npy` files, globs and folders expanded, in order.
        public var images: [String]
        /// (height, width); nil = the model's input size.
        public var size: (height: Int, width: Int)?
        public var resize: ResampleFilter
        /// nil = follow the model's channel count.
        public var color: Preprocessing.Color?
        public var scale: Double?
        public var offset: Double?
        public var mean: [Double]?
        public var std: [Double]?
        public var preset: Preprocessing.Preset?
        /// How the axes of `.npy` inputs are ordered.
        public var layout = ArrayLayout.hwc
        /// How many inputs go through the network together; memory grows with this, not with the
        /// number of images.
        public var batchSize = 8
        /// The preprocessing keys as written (all but `images` and `batch_size`): a rerun reuses
        /// earlier results only when these are unchanged.
        public var preprocessing: [String: String] = [:]

        static let imageExtensions = ["jpg", "jpeg", "png", "npy"]

        /// The axis order of an `.npy` input: vizrun's own (H, W, C), or PyTorch's (C, H, W).
        public enum ArrayLayout: String, CaseIterable, Sendable {
            case hwc, chw
        }

        static func isArray(_ path: String) -> Bool { path.lowercased().hasSuffix(".npy") }
    }

    public struct OutputConfig {
        public var dir: String
        public var arrays: Bool
    }

    public struct RunSpec {
        public var visualizer: String
        public var name: String
        /// The run's mapping; `visualizer` and `name` are already read.
        public var options: ConfigMapping
        public var node: ConfigNode
    }
}

extension RunConfig.InputConfig {
    /// `images` read as a config without preprocessing keys reads them: the model's size and colour.
    package init(images: [String]) {
        self.init(images: images, size: nil, resize: .nearest)
    }
}

// MARK: - Decoding

extension RunConfig {
    public static let topLevelKeys = ["plugins", "model", "input", "output", "runs"]

    /// Reads and checks a config file. Visualizer options are checked later, against the model.
    ///
    /// Returns the config with the problems that still leave it usable (a bad option takes its
    /// default), so the runs' options can be checked too and every problem reported at once; throws
    /// them all when a part it cannot do without (model, input images, runs) is wrong.
    public static func load(file: String) throws -> (config: RunConfig, problems: [VizError]) {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        return try decode(ConfigNode.load(file: absolute))
    }

    public static func decode(_ document: ConfigNode) throws -> (config: RunConfig, problems: [VizError]) {
        let root = try document.mapping()
        let plugins = root.value("plugins", default: []) { try $0.list().map(existingFile) }
        let model = root.required("model", decodeModel)
        let input = root.required("input") { try decodeInput($0, root: root) }
        let output = root.value("output", default: defaultOutput(file: document.file)) { try decodeOutput($0) }
        let runs = root.required("runs", decodeRuns)
        var problems: [VizError] = []
        do { try root.finish() } catch { problems = VizErrors.unpack(error) ?? [document.error("\(error)")] }
        guard let model, let input, let runs, !input.images.isEmpty else {
            try VizErrors.throwIfAny(problems)
            throw document.error("the config has no model, inputs or runs")
        }
        return (
            RunConfig(file: document.file, model: model, input: input, output: output, runs: runs, plugins: plugins), problems
        )
    }

    private static func decodeRuns(_ node: ConfigNode) throws -> [RunSpec] {
        let runNodes = try node.sequence()
        guard !runNodes.isEmpty else { throw node.error("list at least one run") }
        var runs: [RunSpec] = []
        var counts: [String: Int] = [:]
        var problems: [VizError] = []
        for node in runNodes {
            do {
                let mapping = try node.mapping()
                let visualizer = try mapping.required("visualizer").string()
                let name: String
                if let explicit = mapping.optional("name") {
                    name = try explicit.string()
                    if runs.contains(where: { $0.name == name }) { throw explicit.error("two runs are named '\(name)'") }
                } else {
                    counts[visualizer, default: 0] += 1
                    name = counts[visualizer]! == 1 ? visualizer : "\(visualizer)_\(counts[visualizer]!)"
                }
                runs.append(RunSpec(visualizer: visualizer, name: name, options: mapping, node: node))
            } catch {
                problems += VizErrors.unpack(error) ?? [node.error("\(error)")]
            }
        }
        try VizErrors.throwIfAny(problems)
        return runs
    }

    private static func decodeModel(_ node: ConfigNode) throws -> ModelSpec {
        if node.isScalar { return ModelSpec(path: try existingFile(node)) }
        let mapping = try node.mapping()
        var spec = ModelSpec(path: try existingFile(mapping.required("path")))
        spec.loader = try mapping.optional("loader")?.string()
        spec.labels = try mapping.optional("labels").map(existingFile)
        spec.architecture = try mapping.optional("architecture").map(existingFile)
        try mapping.finish()
        return spec
    }

    private static func existingFile(_ node: ConfigNode) throws -> String {
        let path = try node.path()
        guard FileManager.default.fileExists(atPath: path) else { throw node.error("no such file: \(path)") }
        return path
    }

    private static func decodeInput(_ node: ConfigNode, root: ConfigMapping) throws -> InputConfig {
        let mapping = try node.mapping()
        let images = mapping.required("images") { node in
            var images: [String] = []
            for item in try node.list() {
                let matches = try expandImages(item)
                guard !matches.isEmpty else { throw item.error("no image files match '\(try item.string())'") }
                images.append(contentsOf: matches.filter { !images.contains($0) })
            }
            return images
        }
        var config = InputConfig(images: images ?? [], size: nil, resize: .nearest)
        config.size = mapping.value("size") { size in
            let values = try size.sequence()
            guard values.count == 2 else { throw size.error("size is [height, width]") }
            let (height, width) = (try values[0].int(), try values[1].int())
            guard height > 0, width > 0 else { throw size.error("size must be positive") }
            return (height, width)
        }
        config.resize = mapping.choice("resize", default: config.resize)
        config.color = mapping.value("color") { try $0.choice() }
        config.preset = mapping.value("preset") { try $0.choice() }
        config.layout = mapping.value("layout", default: config.layout) { node in
            let layout: InputConfig.ArrayLayout = try node.choice()
            if layout != .hwc, let images, !images.contains(where: InputConfig.isArray) {
                throw node.error("layout \(layout.rawValue) orders the axes of .npy inputs, and none is listed")
            }
            return layout
        }
        config.scale = mapping.value("scale") { try $0.double() }
        config.offset = mapping.value("offset") { try $0.double() }
        config.batchSize = mapping.int("batch_size", default: config.batchSize, atLeast: 1)
        config.mean = mapping.value("mean") { try $0.list().map { try $0.double() } }
        config.std = mapping.value("std") { node in
            let values = try node.list().map { try $0.double() }
            guard values.allSatisfy({ $0 != 0 }) else { throw node.error("std must not contain 0") }
            return values
        }
        config.preprocessing = mapping.flowTexts(excluding: ["images", "batch_size"])
        // A bad preprocessing value is reported with the rest; the config stays usable to check the runs.
        mapping.finish(into: root)
        return config
    }

    /// A file, a folder (its images, sorted) or a glob pattern.
    private static func expandImages(_ node: ConfigNode) throws -> [String] {
        let pattern = try node.path()
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: pattern, isDirectory: &isFolder) {
            return isFolder.boolValue ? images(inFolder: pattern) : [pattern]
        }
        guard pattern.contains(where: { "*?[".contains($0) }) else { throw node.error("no such file: \(pattern)") }
        return Glob.match(pattern).filter { InputConfig.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
    }

    /// The image and `.npy` files of a folder, sorted by name.
    package static func images(inFolder folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { InputConfig.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// `out` beside the config file, with arrays.
    private static func defaultOutput(file: String) -> OutputConfig {
        OutputConfig(dir: URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("out").path, arrays: true)
    }

    private static func decodeOutput(_ node: ConfigNode) throws -> OutputConfig {
        let mapping = try node.mapping()
        var output = defaultOutput(file: node.file)
        output.dir = mapping.value("dir", default: output.dir) { try $0.path() }
        output.arrays = mapping.value("arrays", default: output.arrays) { try $0.bool() }
        try mapping.finish()
        return output
    }
}

/// Shell-style wildcard expansion of one pattern, sorted.
enum Glob {
    static func match(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
