import VizCore
import VizImage

/// One forward pass over a batch, kept for as many backward passes as there are classes to explain.
struct ScoreGradients {
    let model: Model
    let target: ClassScore
    /// The pass, with what gradients read, when gradients are wanted (until `lastGradients`).
    private(set) var trace: Trace?
    private let values: [Int: Tensor]
    /// The score node's value, which gradients are seeded from.
    private let scoreValue: Tensor
    /// Each batch item's class scores (`ClassScore.classScores`).
    let classScores: [[Float]]

    /// Runs `batch` forward up to the score and the prediction, keeping the values gradients read
    /// (`keeping: nil`; with `differentiatingAt`, only those gradients at these nodes and after them
    /// read, and these nodes' values) or only the values of `keeping`, the score and the output.
    init(
        model: Model, target: ClassScore, batch: Tensor, keeping nodes: [Int]? = nil, differentiatingAt wrt: [Int]? = nil
    ) throws {
        self.model = model
        self.target = target
        let targets = [target.outputNode, target.scoreNode] + (nodes ?? [])
        if nodes == nil {
            trace = try model.graph.trace([batch], upTo: targets, differentiatingAt: wrt)
            values = [:]
        } else {
            trace = nil
            values = try model.graph.evaluate([batch], targets: targets)
        }
        guard let output = trace?.value(target.outputNode) ?? values[target.outputNode] else {
            throw VizError("the forward pass did not reach the model's output", at: model.path)
        }
        guard let scoreValue = trace?.value(target.scoreNode) ?? values[target.scoreNode] else {
            throw VizError("the forward pass did not reach the score", at: model.path)
        }
        self.scoreValue = scoreValue
        classScores = try target.classScores(output)
    }

    func value(_ node: Int) -> Tensor? { trace?.value(node) ?? values[node] }

    /// The class `choice` picks for each batch item (`inputs` and `earlier` serve `.predicted` choices).
    func classes(for choice: ClassScore.Choice, inputs: [RunInput] = [], earlier: [String: RunResults] = [:]) throws -> [Int] {
        try target.classes(for: choice, scores: classScores, inputs: inputs, earlier: earlier)
    }

    /// d(score of each item's class)/d(each node of `wrt`), batch items side by side; with
    /// `rule: .guided`, guided backpropagation's gradients.
    func gradients(classes: [Int], wrt: [Int], rule: Trace.BackwardRule = .gradient) throws -> [Int: Tensor] {
        guard let trace else { preconditionFailure("a pass keeping only some values, or differentiated last, has no gradients") }
        return try trace.gradients(seeds: seeds(classes), wrt: wrt, rule: rule)
    }

    /// `gradients(classes:wrt:rule:)` for each of `ranks` (a class per batch item) in order, handed
    /// to `body` with the rank's index. The last backward pass takes the trace and frees its values
    /// as it leaves them behind (`Trace.lastGradients(seeds:wrt:rule:)`): no gradients after it, but
    /// scores and predictions stay.
    mutating func forEachGradient(
        _ ranks: [[Int]], wrt: [Int], rule: Trace.BackwardRule = .gradient,
        _ body: (_ rank: Int, _ gradients: [Int: Tensor]) throws -> Void
    ) throws {
        for (rank, classes) in ranks.enumerated() {
            guard rank == ranks.count - 1 else {
                try body(rank, gradients(classes: classes, wrt: wrt, rule: rule))
                continue
            }
            guard trace != nil else { preconditionFailure("a pass keeping only some values has no gradients") }
            let gradients = try trace!.lastGradients(seeds: seeds(classes), wrt: wrt, rule: rule)
            trace = nil
            try body(rank, gradients)
        }
    }

    private func seeds(_ classes: [Int]) -> [Int: Tensor] {
        [target.scoreNode: target.seed(classes: classes, scoreValue: scoreValue)]
    }

    /// The score of each item's class, as differentiated.
    func scores(classes: [Int]) -> [Float] {
        target.scoreValues(classes: classes, scoreValue: scoreValue)
    }

    /// Each batch item's classes for `choices`, in their order, each class once.
    func classLists(_ choices: [ClassScore.Choice], inputs: [RunInput], earlier: [String: RunResults]) throws -> [[Int]] {
        var lists = [[Int]](repeating: [], count: classScores.count)
        for choice in choices {
            let classes = try self.classes(for: choice, inputs: inputs, earlier: earlier)
            for item in lists.indices where !lists[item].contains(classes[item]) { lists[item].append(classes[item]) }
        }
        return lists
    }

    /// Per rank r, each item's r-th class (its last one when it has fewer): the classes of one
    /// backward pass over the whole batch.
    static func byRank(_ lists: [[Int]]) -> [[Int]] {
        (0..<(lists.map(\.count).max() ?? 0)).map { rank in lists.map { $0[min(rank, $0.count - 1)] } }
    }

    /// The top `k` predictions of batch item `item`.
    func predictions(_ k: Int, item: Int) -> [Prediction] {
        Prediction.top(k, of: classScores[item], model: model)
    }
}
