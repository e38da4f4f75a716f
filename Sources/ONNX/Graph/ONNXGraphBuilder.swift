import VizCore

/// Builds the engine graph of an ONNX graph, one node at a time in the file's (topological) order.
///
/// ONNX images are (N, C, H, W); vizrun's are (N, H, W, C), and so is every 4-D value an op
/// produces here (`Layout.channelsLast`), which is what users see. Mappings that care about the
/// axis order (Flatten, Reshape, Concat, Softmax, reductions) translate axes, or ask for the value in
/// ONNX's order (`onnxOrdered`), as channels_first Keras models are run.
final class ONNXGraphBuilder {
    /// How vizrun holds a dynamic value of the ONNX graph.
    enum Layout {
        /// In the ONNX axis order.
        case onnx
        /// A rank-4 ONNX (N, C, H, W) value held as (N, H, W, C).
        case channelsLast
        /// A value whose first ONNX axis is the batch merged with the next (what a graph exported
        /// for one image writes when it reshapes across the batch axis, as PyTorch's `as_strided`
        /// exports): ONNX (d0, d1, …) held per item as (N, d0, d1, …). Only Reshape and Gather
        /// along that axis read it, and give the batch its own axis back.
        case batchMerged
    }

    enum Value {
        case constant(ConstantTensor)
        case node(Int, Layout)
    }

    typealias Mapping = (ONNXGraphBuilder, ONNXNode) throws -> [Value]

    let file: ONNXModelFile
    let reader: TensorReader
    let graph = Graph()
    private(set) var layers: [Model.Layer] = []
    private var values: [String: Value] = [:]
    /// The layer whose node computes each dynamic value.
    private var layerOfNode: [Int: String] = [:]
    private var usedNames: Set<String> = []
    /// A node's twin in the other layout, made once however many consumers need it.
    private var relaidOut: [Int: Int] = [:]
    /// The layer being built: its name and the parameters of the nodes added for it so far.
    private var current: (name: String, parameters: Int) = ("", 0)

    init(_ file: ONNXModelFile) {
        self.file = file
        reader = TensorReader(file)
    }

    // MARK: - Values

    func define(_ name: String, _ value: Value) { values[name] = value }

    /// How the run-time value of an ONNX tensor is held; nil for constants and unknown names.
    func layout(ofTensor name: String) -> Layout? {
        if case .node(_, let layout)? = values[name] { return layout }
        return nil
    }

    /// Input `index` of `node`, or nil when the node omits it.
    func input(_ node: ONNXNode, _ index: Int) throws -> Value? {
        guard index < node.inputs.count, !node.inputs[index].isEmpty else { return nil }
        guard let value = values[node.inputs[index]] else {
            throw node.error(
                "reads tensor '\(node.inputs[index])', which no earlier node, initializer or graph input "
                    + "defines (the graph has a cycle, or is not in topological order)")
        }
        return value
    }

    /// A value computed at run time (the data a node works on).
    func dynamicInput(_ node: ONNXNode, _ index: Int = 0) throws -> (node: Int, layout: Layout) {
        switch try input(node, index) {
        case .node(let producer, let layout)?: return (producer, layout)
        case .constant?: throw node.unsupported("has a constant input \(index + 1) where vizrun expects the data it works on")
        case nil: throw node.error("lacks its input \(index + 1)")
        }
    }

    /// A value known at load time (weights, shapes, axes); nil when omitted.
    func constantInput(_ node: ONNXNode, _ index: Int, _ role: String) throws -> ConstantTensor? {
        switch try input(node, index) {
        case .constant(let constant)?: return constant
        case .node?: throw node.unsupported("computes its \(role) (input \(index + 1)) at run time")
        case nil: return nil
        }
    }

    func requiredConstant(_ node: ONNXNode, _ index: Int, _ role: String) throws -> ConstantTensor {
        guard let constant = try constantInput(node, index, role) else {
            throw node.error("lacks its \(role) (input \(index + 1))")
        }
        return constant
    }

    /// The constants of every input, or nil when any is computed at run time (omitted inputs are nil).
    func constantInputs(_ node: ONNXNode) throws -> [ConstantTensor?]? {
        var constants: [ConstantTensor?] = []
        for index in node.inputs.indices {
            switch try input(node, index) {
            case .constant(let constant)?: constants.append(constant)
            case .node?: return nil
            case nil: constants.append(nil)
            }
        }
        return constants
    }

    // MARK: - Shapes and layouts

    /// The value's shape in ONNX's axis order (batch 1, `-1` unknown).
    func onnxShape(_ node: Int, _ layout: Layout) -> [Int] {
        let shape = graph.nodes[node].shape
        switch layout {
        case .onnx: return shape
        case .channelsLast: return [shape[0], shape[3], shape[1], shape[2]]
        case .batchMerged: return Array(shape.dropFirst())
        }
    }

    /// The value with its axes in ONNX's order (the batch axis its own).
    func onnxOrdered(_ node: Int, _ layout: Layout) throws -> Int {
        guard layout == .channelsLast else { return node }
        return try twin(of: node, PermuteOp(dims: [3, 1, 2]), suffix: "nchw")
    }

    /// A rank-4 value as (N, H, W, C), for the ops that work on images.
    func channelsLast(_ node: Int, _ layout: Layout, for user: ONNXNode) throws -> Int {
        guard layout == .onnx else { return node }
        guard graph.nodes[node].shape.count == 4 else {
            throw user.unsupported("takes a rank-\(graph.nodes[node].shape.count) input where a 4-D (N, C, H, W) image is needed")
        }
        return try twin(of: node, PermuteOp(dims: [2, 3, 1]), suffix: "nhwc")
    }

    private func twin(of node: Int, _ op: Op, suffix: String) throws -> Int {
        if let made = relaidOut[node] { return made }
        let name = unique("\(graph.nodes[node].name)/\(suffix)")
        let made = try graph.add(name, op, inputs: [node])
        relaidOut[node] = made
        relaidOut[made] = node
        return made
    }

    // MARK: - Nodes and layers

    /// Adds an engine node for the ONNX node being mapped: its output node without `suffix`, the
    /// steps before it with one.
    @discardableResult
    func add(_ op: Op, inputs: [Int], suffix: String? = nil) throws -> Int {
        let name = suffix.map { unique("\(current.name)/\($0)") } ?? current.name
        do {
            let index = try graph.add(name, op, inputs: inputs)
            current.parameters += op.parameterCount
            return index
        } catch let error as VizError {
            throw VizError("node '\(current.name)' (\(op.kind)): \(error.message)", at: file.path)
        }
    }

    func unique(_ name: String) -> String {
        var candidate = name
        var copy = 1
        while usedNames.contains(candidate) {
            copy += 1
            candidate = "\(name)#\(copy)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// Adds the graph input as an `InputOp` layer.
    func addInput(named name: String, shape: [Int], layout: Layout) throws {
        let layerName = unique(name)
        let index = try graph.add(layerName, InputOp(shape: shape))
        layers.append(Model.Layer(name: layerName, className: "Input", outputNode: index, inputLayers: [], parameterCount: 0))
        layerOfNode[index] = layerName
        values[name] = .node(index, layout)
    }

    /// Ops that read a value whose batch axis is merged with the next, and give it back.
    private static let batchMergedReaders: Set<String> = ["Reshape", "Gather"]

    /// Maps one node; a layer is made for each output it computes at run time: the first named by
    /// the node (and by its output tensor), any other (Split's) by its tensor. Returns the layers'
    /// names.
    @discardableResult
    func map(_ node: ONNXNode, with mapping: Mapping) throws -> [String] {
        let firstNew = graph.nodes.count
        var producers: [Int] = []
        for index in node.inputs.indices {
            guard case .node(let producer, let layout)? = try input(node, index) else { continue }
            if layout == .batchMerged, !Self.batchMergedReaders.contains(node.opType) {
                throw node.unsupported(
                    "reads '\(node.inputs[index])', reshaped across the batch axis (only Reshape and Gather give the batch its axis back)"
                )
            }
            producers.append(producer)
        }
        current = (unique(node.name), 0)
        let results = try mapping(self, node)
        for (name, value) in zip(node.outputs, results) where !name.isEmpty { values[name] = value }
        let inputLayers = producers.compactMap { layerOfNode[$0] }
        var made: [String] = []
        for (index, (tensor, value)) in zip(node.outputs, results).enumerated() {
            guard case .node(let output, _) = value, output >= firstNew, layerOfNode[output] == nil else { continue }
            let name = index == 0 ? current.name : unique(tensor)
            layers.append(
                Model.Layer(
                    name: name, className: node.opType, outputNode: output, inputLayers: inputLayers,
                    parameterCount: made.isEmpty ? current.parameters : 0,
                    aliases: tensor == name || tensor.isEmpty ? [] : [tensor]))
            layerOfNode[output] = name
            made.append(name)
        }
        if made.first != current.name { usedNames.remove(current.name) }
        return made
    }

    /// The layer computing each named graph output (constants have none).
    func outputLayers(_ names: [String]) -> [String] {
        names.compactMap { name in
            guard case .node(let index, _)? = values[name] else { return nil }
            return layerOfNode[index]
        }
    }
}
