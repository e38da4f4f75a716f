import VizCore

/// Which classes a gradient visualizer explains and which number it differentiates: the shared
/// `class` and `score` options of `gradcam` and `saliency`.
///
/// The score is one number per batch item: the model's output for the class (`probability`, after
/// the final softmax or sigmoid) or the value before that activation (`logit`). A single-output
/// model (output shape `(1, 1)`, a sigmoid) has two classes: class 1 scores the output itself,
/// class 0 scores `1 − output` (with `logit`, `−logit`), so its gradient is the negated one.
struct ClassScore {
    /// One entry of the `class` option.
    enum Choice: Equatable {
        /// The input's own top-1 prediction.
        case top
        case index(Int)
        /// The input's prediction of rank `rank` (0 = best) in an earlier run (`{from: RUN, top: k}`).
        case predicted(run: String, rank: Int)
    }

    enum Score: String, CaseIterable {
        case probability, logit
    }

    var choices: [Choice] = [.top]
    var score: Score = .probability
    /// The node whose value holds the predictions (what `top` and the predictions list read).
    let outputNode: Int
    /// The node differentiated: `outputNode`, or the logit node.
    let scoreNode: Int
    /// Whether the model ends in one output unit, read as a binary classifier.
    let isSingleOutput: Bool
    /// How many classes there are (2 for a single-output model).
    let classCount: Int

    /// The defaults (`class: top`, `score: probability`) for `model`.
    init(model: Model, score: Score = .probability, choices: [Choice] = [.top]) throws {
        guard let prediction = model.predictionLayer else { throw VizError("the model has no layers", at: model.path) }
        let shape = model.outputShape(of: prediction)
        guard shape.count == 1, shape[0] > 0 else {
            throw VizError(
                "the model's output '\(prediction.name)' has shape \(ShapeCheck.describe([-1] + shape)); "
                    + "class scores need a (batch, classes) output", at: model.path)
        }
        outputNode = prediction.outputNode
        isSingleOutput = shape[0] == 1
        classCount = isSingleOutput ? 2 : shape[0]
        self.score = score
        self.choices = choices
        switch score {
        case .probability: scoreNode = outputNode
        case .logit:
            guard let logit = model.logitNode else { throw VizError("the model has no logit node", at: model.path) }
            scoreNode = logit
        }
    }

    /// Reads `class` and `score` from a run's options; a bad value is recorded in `mapping` and its
    /// default taken, so the run's other options are still checked.
    static func reading(_ mapping: ConfigMapping, model: Model) throws -> ClassScore {
        var target: ClassScore
        do { target = try ClassScore(model: model, score: mapping.choice("score", default: Score.probability)) } catch let error
            as VizError
        {
            throw mapping.owner.error(error.message)
        }
        target.choices = mapping.value("class", default: target.choices) { [target] node in
            let items = try node.list()
            guard !items.isEmpty else { throw node.error("class needs at least one entry") }
            return try items.flatMap { try target.readChoices($0, in: mapping, model: model) }
        }
        return target
    }

    /// One entry of `class`: one choice, or one per rank of a reference to an earlier run's predictions.
    private func readChoices(_ node: ConfigNode, in mapping: ConfigMapping, model: Model) throws -> [Choice] {
        guard node.isMapping else { return [try choice(node, model: model)] }
        var count = 1
        let reference = try mapping.runReference(node) { reference in
            count = reference.value("top", default: 1) { top in
                let count = try top.int()
                guard count >= 1 else { throw top.error("top must be at least 1") }
                guard count <= classCount else { throw top.error("top \(count) is more than the model's \(classCount) classes") }
                return count
            }
            return .predictions(top: count)
        }
        return (0..<count).map { .predicted(run: reference.run, rank: $0) }
    }

    private func choice(_ node: ConfigNode, model: Model) throws -> Choice {
        let text = try node.string()
        if text == "top" { return .top }
        if let index = try? node.int() {
            guard index >= 0, index < classCount else {
                let what =
                    isSingleOutput
                    ? "the model has one sigmoid output: classes 0 and 1"
                    : "the model has \(classCount) classes (0…\(classCount - 1))"
                throw node.error("class \(index) is out of range: \(what)")
            }
            return .index(index)
        }
        guard let labels = model.labels else {
            throw node.error(
                "class '\(text)' is neither `top` nor a class index, and the model has no labels file "
                    + "(model: {path: …, labels: labels.txt})")
        }
        if let index = labels.firstIndex(of: text) {
            guard index < classCount else {
                throw node.error(
                    "label '\(text)' is line \(index + 1) of the labels file, but the model has \(classCount) classes")
            }
            return .index(index)
        }
        throw node.error(Suggestions.unknown("class label", text, among: labels))
    }

    // MARK: - Per batch

    /// Each batch item's class scores, read from the value of `outputNode` (for a single-output
    /// model: `[1 − p, p]`).
    func classScores(_ output: Tensor) -> [[Float]] {
        let batch = output.shape[0]
        let width = output.count / batch
        return (0..<batch).map { item in
            let row = Array(output.scalars[(item * width)..<((item + 1) * width)])
            return isSingleOutput ? [1 - row[0], row[0]] : row
        }
    }

    /// The class of `choice` for each batch item; a `.predicted` choice reads the inputs' predictions
    /// in `earlier` (the run context's results of earlier runs).
    func classes(for choice: Choice, scores: [[Float]], inputs: [RunInput], earlier: [String: RunResults]) throws -> [Int] {
        switch choice {
        case .index(let index): return scores.map { _ in index }
        case .predicted(let run, let rank):
            guard let results = earlier[run] else { throw VizError("the results of run '\(run)' are not available", at: run) }
            return try inputs.map { try results.topPredictions(rank + 1, of: $0.id)[rank].classIndex }
        case .top:
            return scores.map { row in
                row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0
            }
        }
    }

    /// d(Σ_items score of the item's class)/d(score node): the seed of the backward pass. Batch
    /// items are independent, so one backward pass gives every item's gradient.
    func seed(classes: [Int], scoreValue: Tensor) -> Tensor {
        var seed = Tensor(zeros: scoreValue.shape)
        let width = scoreValue.count / scoreValue.shape[0]
        for (item, classIndex) in classes.enumerated() {
            if isSingleOutput {
                seed.scalars[item * width] = classIndex == 1 ? 1 : -1
            } else {
                seed.scalars[item * width + classIndex] = 1
            }
        }
        return seed
    }

    /// The score of each item's class, as differentiated (`1 − p` or `−logit` for class 0 of a
    /// single-output model).
    func scoreValues(classes: [Int], scoreValue: Tensor) -> [Float] {
        let width = scoreValue.count / scoreValue.shape[0]
        return classes.enumerated().map { item, classIndex in
            guard isSingleOutput else { return scoreValue.scalars[item * width + classIndex] }
            let value = scoreValue.scalars[item * width]
            if classIndex == 1 { return value }
            return score == .probability ? 1 - value : -value
        }
    }
}
