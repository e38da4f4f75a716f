/// What visualizers differentiate: class scores, and where the network's logits are.
extension Model {
    /// The layer whose output is the model's prediction.
    public var predictionLayer: Layer? {
        outputLayers.last.flatMap(layer(named:)) ?? layers.last
    }

    /// The node before the final softmax or sigmoid: the last layer's pre-activation when the
    /// activation is fused, the input of a trailing `Activation` or `Softmax` layer otherwise, else
    /// the output.
    public var logitNode: Int? { predictionLayer.map(logitNode(of:)) }

    /// The node before `layer`'s final softmax or sigmoid, found as `logitNode` finds the prediction's.
    public func logitNode(of layer: Layer) -> Int {
        if let pre = layer.preActivationNode { return pre }
        let node = graph.nodes[layer.outputNode]
        if node.op is ActivationOp || node.op is SoftmaxOp, node.inputs.count == 1 { return node.inputs[0] }
        return layer.outputNode
    }

    /// Whether the value of `node` depends on the value of `source` (so a gradient can flow).
    public func node(_ node: Int, dependsOn source: Int) -> Bool {
        graph.ancestors(of: [node]).contains(source)
    }

    /// The label of class `index`, when a labels file was given.
    public func label(of index: Int) -> String? {
        guard let labels, index >= 0, index < labels.count else { return nil }
        return labels[index]
    }
}

/// One line of a top-k prediction list.
public struct Prediction: Codable, Equatable, Sendable {
    public var classIndex: Int
    public var label: String?
    public var score: Float

    public init(classIndex: Int, label: String?, score: Float) {
        self.classIndex = classIndex
        self.label = label
        self.score = score
    }

    enum CodingKeys: String, CodingKey {
        case classIndex = "class"
        case label, score
    }

    /// The `k` highest of a score vector, best first (ties keep the lower index first).
    public static func top(_ k: Int, of scores: [Float], model: Model) -> [Prediction] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            .prefix(k).map { Prediction(classIndex: $0, label: model.label(of: $0), score: scores[$0]) }
    }
}
