import VizCore
import VizImage

/// One forward pass over a batch, kept for as many backward passes as there are classes to explain.
struct ScoreGradients {
    let model: Model
    let target: ClassScore
    let trace: Trace
    /// Each batch item's class scores (`ClassScore.classScores`).
    let classScores: [[Float]]

    /// Runs `batch` forward up to the score and the prediction, keeping every value on the way.
    init(model: Model, target: ClassScore, batch: Tensor) throws {
        self.model = model
        self.target = target
        trace = try model.graph.trace([batch], upTo: [target.outputNode, target.scoreNode])
        guard let output = trace.value(target.outputNode) else {
            throw VizError("the forward pass did not reach the model's output", at: model.path)
        }
        classScores = target.classScores(output)
    }

    func value(_ node: Int) -> Tensor? { trace.value(node) }

    /// The class `choice` picks for each batch item (`inputs` and `earlier` serve `.predicted` choices).
    func classes(for choice: ClassScore.Choice, inputs: [RunInput] = [], earlier: [String: RunResults] = [:]) throws -> [Int] {
        try target.classes(for: choice, scores: classScores, inputs: inputs, earlier: earlier)
    }

    /// d(score of each item's class)/d(each node of `wrt`), batch items side by side.
    func gradients(classes: [Int], wrt: [Int]) throws -> [Int: Tensor] {
        guard let scoreValue = trace.value(target.scoreNode) else {
            throw VizError("the forward pass did not reach the score", at: model.path)
        }
        return try trace.gradients(seeds: [target.scoreNode: target.seed(classes: classes, scoreValue: scoreValue)], wrt: wrt)
    }

    /// The top `k` predictions of batch item `item`.
    func predictions(_ k: Int, item: Int) -> [Prediction] {
        Prediction.top(k, of: classScores[item], model: model)
    }
}
