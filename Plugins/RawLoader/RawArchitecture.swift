import Foundation
import VizCore

/// The architecture file of a raw-weights model (YAML, or JSON, which YAML reads too): the input
/// shape, the layers in Keras's vocabulary, how the weights file lays out its tensors, and where
/// it is. Every error points at the offending line and column. See Docs/raw-models.md.
struct RawArchitecture {
    /// How the weights file names and lays out tensors.
    enum Layout: String, CaseIterable {
        /// `conv1/kernel` (H, W, in, out), `dense/kernel` (in, out), Keras's BatchNormalization names.
        case keras
        /// A PyTorch state_dict: `conv1.weight` (out, in, H, W), `fc.weight` (out, in), BatchNorm's
        /// `running_mean`/`running_var`, and a Flatten that lists values in (C, H, W) order.
        case pytorch

        /// What joins a layer's name and a weight's role in tensor names.
        var separator: Character { self == .keras ? "/" : "." }
    }

    struct Layer {
        let name: String
        /// A Keras layer class, e.g. `Conv2D`.
        let type: String
        /// Every key but `name`, `type` and `inputs`: the layer's Keras options.
        let options: [String: Any]
        /// The layers it reads from; the previous layer (or the input) unless the file says.
        let inputs: [String]
        /// The layer's entry, where errors about it point.
        let node: ConfigNode

        var location: String { "\(node.file):\(node.line):\(node.column)" }
    }

    /// A tensor of a raw float32 `.bin` file, which records neither names nor shapes.
    struct ListedTensor {
        let name: String
        let shape: [Int]
        let node: ConfigNode
    }

    /// A `weights_map` entry: the name vizrun looks for (a layer, or a layer's tensor) and the
    /// name the weights file uses instead.
    struct Rename {
        let expected: String
        let stored: String
        let node: ConfigNode
    }

    /// The name of the model's input, which layers may list among their `inputs`.
    static let inputName = "input"

    let file: String
    /// (height, width, channels): vizrun's tensors are channels-last, whatever the layout.
    let inputShape: [Int]
    let layout: Layout
    let layers: [Layer]
    /// The `weights` key: the weights file or folder, made absolute.
    let weights: String?
    let weightsMap: [Rename]
    /// The `tensors` key, for a `.bin` weights file.
    let tensors: [ListedTensor]?
    /// The whole document, for errors about a key of it.
    let root: ConfigNode

    init(file: String) throws {
        let root = try ConfigNode.load(file: file)
        let mapping = try root.mapping()
        self.file = file
        self.root = root
        inputShape = try Self.positiveSizes(try mapping.required("input_shape"))
        if let node = mapping.optional("layout") {
            let name = try node.string()
            guard let layout = Layout(rawValue: name) else {
                throw node.error("unknown layout '\(name)' (known: \(Layout.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self.layout = layout
        } else {
            layout = .keras
        }
        weights = try mapping.optional("weights")?.path()
        weightsMap = try mapping.optional("weights_map").map(Self.renames) ?? []
        tensors = try mapping.optional("tensors").map { try $0.sequence().map(Self.listedTensor) }
        layers = try Self.layers(try mapping.required("layers"))
        try mapping.finish()
        try checkGraph()
    }

    /// Where errors about the file as a whole point.
    var location: String { file }

    func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

    // MARK: - Reading

    private static func positiveSizes(_ node: ConfigNode) throws -> [Int] {
        let sizes = try node.sequence().map { try $0.int() }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
            throw node.error("expected a list of positive sizes, e.g. [32, 32, 3] (height, width, channels)")
        }
        return sizes
    }

    private static func renames(_ node: ConfigNode) throws -> [Rename] {
        let mapping = try node.mapping()
        return try mapping.keys.map { key in
            let value = try mapping.required(key)
            return Rename(expected: key, stored: try value.string(), node: value)
        }
    }

    private static func listedTensor(_ node: ConfigNode) throws -> ListedTensor {
        let mapping = try node.mapping()
        let tensor = ListedTensor(
            name: try mapping.required("name").string(),
            shape: try mapping.required("shape").sequence().map { size in
                let value = try size.int()
                guard value >= 0 else { throw size.error("sizes cannot be negative") }
                return value
            }, node: node)
        try mapping.finish()
        return tensor
    }

    private static func layers(_ node: ConfigNode) throws -> [Layer] {
        var previous = inputName
        let entries = try node.sequence()
        guard !entries.isEmpty else { throw node.error("the model needs at least one layer") }
        return try entries.map { entry in
            let mapping = try entry.mapping()
            let name = try mapping.required("name").string()
            let type = try mapping.required("type").string()
            let inputs = try mapping.optional("inputs").map { try $0.list().map { try $0.string() } } ?? [previous]
            var options: [String: Any] = [:]
            for key in mapping.keys where !["name", "type", "inputs"].contains(key) {
                options[key] = try mapping.optional(key)?.plainValue() ?? NSNull()
            }
            previous = name
            return Layer(name: name, type: type, options: options, inputs: inputs, node: entry)
        }
    }

    // MARK: - Checks

    /// Names are unique, every input names a layer or the model's input, and no layer depends on itself.
    private func checkGraph() throws {
        var seen: Set<String> = [Self.inputName]
        for layer in layers {
            guard seen.insert(layer.name).inserted else {
                let what = layer.name == Self.inputName ? "is the name of the model's input" : "is used by an earlier layer"
                throw layer.node.error("layer name '\(layer.name)' \(what)")
            }
        }
        for layer in layers {
            for input in layer.inputs where !seen.contains(input) {
                let hint = Suggestions.didYouMean(input, among: Array(seen))
                throw layer.node.error(
                    "layer '\(layer.name)' takes input from '\(input)', which is neither a layer "
                        + "nor the input '\(Self.inputName)'\(hint)")
            }
        }
        let inputsByLayer = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.inputs) })
        var finished: Set<String> = [Self.inputName]
        for layer in layers {
            var path: [String] = []
            try visit(layer.name, inputsByLayer: inputsByLayer, finished: &finished, path: &path)
        }
    }

    /// Depth-first search that fails on reaching a layer already on the current path.
    private func visit(
        _ name: String, inputsByLayer: [String: [String]], finished: inout Set<String>,
        path: inout [String]
    ) throws {
        guard !finished.contains(name) else { return }
        if let start = path.firstIndex(of: name) {
            let cycle = (path[start...] + [name]).joined(separator: " → ")
            throw layer(named: name)!.node.error("layer '\(name)' depends on itself: \(cycle)")
        }
        path.append(name)
        for input in inputsByLayer[name] ?? [] {
            try visit(input, inputsByLayer: inputsByLayer, finished: &finished, path: &path)
        }
        path.removeLast()
        finished.insert(name)
    }
}
