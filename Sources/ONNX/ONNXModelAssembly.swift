import VizCore

/// An ONNX file as a vizrun `Model`: the engine graph, a layer per node computed at run time, and
/// each layer's other names (its output tensor, the PyTorch module whose output it is).
public enum ONNXModelAssembly {
    public static func model(_ file: ONNXModelFile, loaderName: String) throws -> Model {
        try assemble(file, loaderName: loaderName).model
    }

    /// The model, and the builder that made it (which knows how each ONNX tensor is held).
    static func assemble(_ file: ONNXModelFile, loaderName: String) throws -> (model: Model, builder: ONNXGraphBuilder) {
        let graphProto = file.model.graph
        try checkOperators(graphProto.node, file: file)
        let builder = ONNXGraphBuilder(file)
        var initialized = Set<String>()
        for initializer in graphProto.initializer {
            builder.define(initializer.name, .constant(try builder.reader.constant(initializer, role: "initializer")))
            initialized.insert(initializer.name)
        }
        // Before IR version 4 initializers are listed among the inputs too; the model's input is the other one.
        let inputs = graphProto.input.filter { !initialized.contains($0.name) }
        guard inputs.count == 1 else {
            throw VizError(
                "takes \(inputs.count) inputs (\(inputs.map { "'\($0.name)'" }.joined(separator: ", "))); "
                    + "vizrun runs models with one input image", at: file.path)
        }
        let (shape, layout) = try inputShape(inputs[0], file: file)
        try builder.addInput(named: inputs[0].name, shape: shape, layout: layout)
        var scopes = ModuleScopes()
        var chains: [String: [String]] = [:]
        for proto in graphProto.node {
            let node = ONNXNode(proto: proto, opset: file.opset, path: file.path)
            let chain = scopes.chain(of: proto)
            for layer in try builder.map(node, with: ONNXGraphBuilder.mappings[proto.opType]!) { chains[layer] = chain }
        }
        let outputs = builder.outputLayers(graphProto.output.map(\.name))
        guard !outputs.isEmpty else { throw VizError("computes none of its outputs from its input", at: file.path) }
        let model = Model(
            graph: builder.graph, layers: withModuleAliases(builder.layers, chains: chains),
            outputLayers: outputs, path: file.path, loaderName: loaderName, metadata: file.metadata)
        return (model, builder)
    }

    /// One error listing every operator the file uses that vizrun lacks, with its count and first node.
    private static func checkOperators(_ nodes: [Onnx_NodeProto], file: ONNXModelFile) throws {
        var missing: [String: (count: Int, first: String)] = [:]
        var order: [String] = []
        for node in nodes {
            let standard = node.domain.isEmpty || node.domain == "ai.onnx"
            guard !standard || ONNXGraphBuilder.mappings[node.opType] == nil else { continue }
            let name = standard ? node.opType : "\(node.domain).\(node.opType)"
            if missing[name] == nil { order.append(name) }
            let first = missing[name]?.first ?? (node.name.isEmpty ? node.output.first ?? "" : node.name)
            missing[name] = ((missing[name]?.count ?? 0) + 1, first)
        }
        guard !order.isEmpty else { return }
        let list = order.map { name in
            let (count, first) = missing[name]!
            let reason = ONNXGraphBuilder.refusals[name].map { ": \($0)" } ?? ""
            return "\(name) ×\(count) (first '\(first)'\(reason))"
        }
        throw VizError(
            "uses operator\(order.count == 1 ? "" : "s") vizrun cannot run: \(list.joined(separator: ", "))", at: file.path)
    }

    /// The input's declared shape as vizrun holds it: (N, C, H, W) becomes (N, H, W, C); any batch
    /// is accepted, and a size the file leaves symbolic is `-1`.
    private static func inputShape(_ input: Onnx_ValueInfoProto, file: ONNXModelFile) throws -> ([Int], ONNXGraphBuilder.Layout) {
        guard case .tensorType(let type)? = input.type.value, type.elemType == ElementType.float.rawValue else {
            let kind =
                input.type.tensorType.hasElemType
                ? ElementType.name(of: input.type.tensorType.elemType) + " tensor"
                : "non-tensor value"
            throw VizError("takes input '\(input.name)' as a \(kind); vizrun feeds FLOAT tensors", at: file.path)
        }
        let dims = type.shape.dim.map { dim -> Int in
            if case .dimValue(let value)? = dim.value, value > 0, value < 1 << 31 { return Int(value) }
            return -1
        }
        guard dims.count >= 2, dims.count <= 6 else {
            throw VizError(
                "takes input '\(input.name)' of rank \(dims.count); vizrun feeds a batch of images or vectors",
                at: file.path)
        }
        // Bounded, so that no shape arithmetic downstream can overflow.
        guard let values = ConstantTensor.count(of: dims.dropFirst().map { max($0, 1) }), values <= 1 << 32 else {
            throw VizError("declares input '\(input.name)' of shape \(dims), too large to feed", at: file.path)
        }
        if dims.count == 4 { return ([-1, dims[2], dims[3], dims[1]], .channelsLast) }
        return ([-1] + dims.dropFirst(), .onnx)
    }

    /// Each module path names the last layer inside it, unless a node or tensor already has that name.
    private static func withModuleAliases(_ layers: [Model.Layer], chains: [String: [String]]) -> [Model.Layer] {
        var lastLayer: [String: String] = [:]
        for layer in layers { for module in chains[layer.name] ?? [] { lastLayer[module] = layer.name } }
        var taken = Set(layers.flatMap { [$0.name] + $0.aliases })
        var modulesOf: [String: [String]] = [:]
        for (module, layer) in lastLayer.sorted(by: { $0.key < $1.key }) where !taken.contains(module) {
            modulesOf[layer, default: []].append(module)
            taken.insert(module)
        }
        return layers.map { layer in
            guard let modules = modulesOf[layer.name] else { return layer }
            return Model.Layer(
                name: layer.name, className: layer.className, outputNode: layer.outputNode,
                preActivationNode: layer.preActivationNode, inputLayers: layer.inputLayers,
                parameterCount: layer.parameterCount, members: layer.members,
                aliases: modules.sorted { $0.count < $1.count } + layer.aliases)
        }
    }
}
