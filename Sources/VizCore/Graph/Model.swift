/// A loaded network: its graph of ops, and the layers a user names in configs.
///
/// A Keras layer may become several nodes (a convolution and its fused activation); `outputNode`
/// is what the layer returns, `preActivationNode` the value before a fused activation.
public final class Model {
    public struct Layer {
        public let name: String
        /// The Keras class name (`Conv2D`, `Dense`, …).
        public let className: String
        public let outputNode: Int
        public let preActivationNode: Int?
        /// Names of the layers feeding this one.
        public let inputLayers: [String]
        /// For a nested model, its parameters: those of its `members`.
        public let parameterCount: Int
        /// For a nested model (a model used as a layer), the names of the layers inside it, at any
        /// depth, each `outer/inner`; they follow it in `Model.layers`. Empty for other layers.
        public let members: [String]
        /// Other names a config may use for the layer, as its file knows them (an ONNX node's output
        /// tensor, the PyTorch module whose output it is), most telling first.
        public let aliases: [String]

        public init(
            name: String, className: String, outputNode: Int, preActivationNode: Int? = nil,
            inputLayers: [String], parameterCount: Int, members: [String] = [], aliases: [String] = []
        ) {
            self.name = name
            self.className = className
            self.outputNode = outputNode
            self.preActivationNode = preActivationNode
            self.inputLayers = inputLayers
            self.parameterCount = parameterCount
            self.members = members
            self.aliases = aliases
        }

        /// The same layer under the name a config used for it, which is what its results are labelled with.
        func called(_ alias: String) -> Layer {
            Layer(
                name: alias, className: className, outputNode: outputNode, preActivationNode: preActivationNode,
                inputLayers: inputLayers, parameterCount: parameterCount, members: members, aliases: aliases)
        }
    }

    public let graph: Graph
    /// In the model's own order, input layers first; a nested model is followed by its members.
    public let layers: [Layer]
    /// Where the model came from, for messages and the manifest.
    public let path: String
    public let loaderName: String
    /// Free-form facts from the file (e.g. `keras_version`), shown by `vizrun inspect`.
    public let metadata: [String: String]
    public let outputLayers: [String]
    /// Class names, one per output index, from the config's `labels` file.
    public var labels: [String]?

    public init(
        graph: Graph, layers: [Layer], outputLayers: [String], path: String, loaderName: String,
        metadata: [String: String] = [:]
    ) {
        self.graph = graph
        self.layers = layers
        self.outputLayers = outputLayers
        self.path = path
        self.loaderName = loaderName
        self.metadata = metadata
    }

    /// The layer with this name, or else the one with this alias (then called by it).
    public func layer(named name: String) -> Layer? {
        layers.first { $0.name == name } ?? layers.first { $0.aliases.contains(name) }?.called(name)
    }

    /// The layer, or an error that names the model file and suggests the closest layer names.
    public func requireLayer(_ name: String, at location: String? = nil) throws -> Layer {
        if let layer = layer(named: name) { return layer }
        let hint =
            Suggestions.closest(to: name, among: layers.flatMap { [$0.name] + $0.aliases }).map { "; did you mean '\($0)'?" }
            ?? "; `vizrun inspect \(path)` lists its layers"
        throw VizError("no layer named '\(name)' in \(path)\(hint)", at: location)
    }

    /// The declared input shape without the batch axis (`-1` where any size is accepted).
    public var inputShape: [Int] {
        guard let index = graph.inputNodes.first, let op = graph.nodes[index].op as? InputOp else { return [] }
        return Array(op.shape.dropFirst())
    }

    /// The inferred output shape of a layer without the batch axis.
    public func outputShape(of layer: Layer) -> [Int] {
        Array(graph.nodes[layer.outputNode].shape.dropFirst())
    }

    /// Nested models are skipped: their parameters are their members'.
    public var parameterCount: Int { layers.filter(\.members.isEmpty).reduce(0) { $0 + $1.parameterCount } }

    /// Layers other than inputs, in model order: what "the first 8 layers" counts (as `model.layers[:8]`
    /// does in Keras for a Sequential model, which has no InputLayer in that list).
    public var computedLayers: [Layer] { layers.filter { !(graph.nodes[$0.outputNode].op is InputOp) } }
}
