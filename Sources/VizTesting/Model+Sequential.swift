import VizCore

extension Model {
    /// A model whose layers run one after another from an input of `shape` (height, width,
    /// channels): a network small enough to check a visualizer's every number by hand. Each layer is
    /// one op named by the layer; the last is the model's output.
    public static func sequential(input shape: [Int], _ layers: [(name: String, op: Op)]) throws -> Model {
        let graph = Graph()
        var previous = (name: "input", node: try graph.add("input", InputOp(shape: [-1] + shape)))
        var modelLayers = [
            Layer(name: "input", className: "InputLayer", outputNode: previous.node, inputLayers: [], parameterCount: 0)
        ]
        for layer in layers {
            let node = try graph.add(layer.name, layer.op, inputs: [previous.node])
            modelLayers.append(
                Layer(
                    name: layer.name, className: String(describing: type(of: layer.op)), outputNode: node,
                    inputLayers: [previous.name], parameterCount: 0))
            previous = (layer.name, node)
        }
        return Model(
            graph: graph, layers: modelLayers, outputLayers: [previous.name], path: "sequential.test", loaderName: "test")
    }
}

extension Visualizer {
    /// Runs the configured visualizer on `inputs` (each an id and a (1, H, W, C) tensor) as a run
    /// named `run` would, and returns what it handed to the sink.
    public func collect(model: Model, inputs: [(id: String, tensor: Tensor)], runName: String = "run") throws -> CollectingSink {
        let sink = CollectingSink()
        let runInputs = inputs.map { RunInput(id: $0.id, path: "\($0.id).npy", tensor: $0.tensor, original: nil) }
        try run(RunContext(model: model, inputs: runInputs, runName: runName, sink: sink))
        return sink
    }
}
