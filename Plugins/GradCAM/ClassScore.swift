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
    /// The output read (`output:`, by default the model's prediction).
    let output: Model.Layer
    /// The node whose value holds the predictions (what `top` and the predictions list read).
    let outputNode: Int
    /// The node differentiated: `outputNode`, or the logit node.
    let scoreNode: Int
    /// How a score is read from the score node's value.
    let target: ScoreTarget
    /// How many classes (units, or dense classes) there are (2 for a single-output model).
    let classCount: Int

    /// Whether the model ends in one output unit, read as a binary classifier.
    var isSingleOutput: Bool { target == .binary }

    /// The defaults (`class: top`, `score: probability`) for `model`: its prediction read as a
    /// classifier's; `output` and `target` (`.unit` or `.region`) choose otherwise.
    init(
        model: Model, output: Model.Layer? = nil, score: Score = .probability, choices: [Choice] = [.top],
        target requested: ScoreTarget? = nil
    ) throws {
        guard let layer = output ?? model.predictionLayer else { throw VizError("the model has no layers", at: model.path) }
        // An index (ArgMax) is no class score, and nothing can be differentiated through it.
        if let stop = model.graph.gradientStop(from: layer.outputNode, to: model.graph.inputNodes[0]) {
            let node = model.graph.nodes[stop]
            let origin =
                stop == layer.outputNode
                ? "holds the indices of \(node.op.kind) '\(node.name)'"
                : "comes through \(node.op.kind) '\(node.name)', which gives indices"
            throw VizError(
                "the output '\(layer.name)' \(origin), not scores, and has no gradient (pick another output with "
                    + "`output:`, or export the model without it)", at: model.path)
        }
        let shape = model.outputShape(of: layer)
        switch requested {
        case .region(let region)?:
            guard shape.count == 3, shape[2] > 0 else {
                throw VizError(
                    "the output '\(layer.name)' has shape \(ShapeCheck.describe([-1] + shape)); a region target needs a "
                        + "dense (batch, height, width, classes) output", at: model.path)
            }
            let input = model.inputShape
            guard input.count != 3 || zip(input.prefix(2), shape.prefix(2)).allSatisfy({ $0 < 0 || $1 < 0 || $0 == $1 })
            else {
                throw VizError(
                    "the output '\(layer.name)' is \(shape[0])x\(shape[1]) for a \(input[0])x\(input[1]) input; a region "
                        + "in input pixels needs a dense output of the input's size", at: model.path)
            }
            target = .region(region)
            classCount = shape[2]
        default:
            guard shape.count == 1, shape[0] > 0 else {
                throw VizError(
                    "the model's output '\(layer.name)' has shape \(ShapeCheck.describe([-1] + shape)); "
                        + (requested == nil
                            ? "class scores need a (batch, classes) output (pick another with `output:`, or a segmentation "
                                + "class with `target: {class: c, region: …}`)"
                            : "an output unit needs a (batch, units) output"),
                    at: model.path)
            }
            target = requested ?? (shape[0] == 1 ? .binary : .unit)
            classCount = target == .binary ? 2 : shape[0]
        }
        self.output = layer
        outputNode = layer.outputNode
        self.score = score
        self.choices = choices
        switch score {
        case .probability: scoreNode = outputNode
        case .logit: scoreNode = model.logitNode(of: layer)
        }
    }

    /// Reads `output`, `score`, and `class` or `target` from a run's options; a bad value is
    /// recorded in `mapping` and its default taken, so the run's other options are still checked.
    static func reading(_ mapping: ConfigMapping, model: Model) throws -> ClassScore {
        // A bad `output` stops here: every other check depends on the output.
        let output = try mapping.optional("output").map { try outputLayer($0, model: model) }
        let score = mapping.choice("score", default: Score.probability)
        let targetNode = mapping.optional("target")
        let requested = try targetNode.map { try readTarget($0, model: model) }
        var target: ClassScore
        do { target = try ClassScore(model: model, output: output, score: score, target: requested?.target) } catch let error
            as VizError
        {
            throw (targetNode ?? mapping.optional("output") ?? mapping.owner).error(error.message)
        }
        if targetNode != nil {
            if let classNode = mapping.optional("class") {
                mapping.record(classNode.error("give either class or target, not both"), at: classNode)
            }
            guard let requested else { return target }
            do {
                target.choices = [
                    requested.target == .unit
                        ? try target.unitChoice(requested.choice) : try target.choice(requested.choice, model: model)
                ]
            } catch { mapping.record(error, at: requested.choice) }
            return target
        }
        target.choices = mapping.value("class", default: target.choices) { [target] node in
            let items = try node.list()
            guard !items.isEmpty else { throw node.error("class needs at least one entry") }
            return try items.flatMap { try target.readChoices($0, in: mapping, model: model) }
        }
        return target
    }

    /// `output: name | index`: one of the model's outputs.
    private static func outputLayer(_ node: ConfigNode, model: Model) throws -> Model.Layer {
        let names = model.outputLayers.isEmpty ? model.predictionLayer.map { [$0.name] } ?? [] : model.outputLayers
        let outputs = names.compactMap(model.layer(named:))
        if let index = try? node.int() {
            guard index >= 0, index < outputs.count else {
                throw node.error(
                    "output \(index) is out of range: the model has \(outputs.count) outputs (0…\(outputs.count - 1))")
            }
            return outputs[index]
        }
        let name = try node.string()
        if let layer = outputs.first(where: { $0.name == name || $0.aliases.contains(name) }) { return layer }
        throw node.error(Suggestions.unknown("output", name, among: outputs.flatMap { [$0.name] + $0.aliases }))
    }

    /// `target: {output: i}` or `target: {class: c, region: R}`: the kind of score and the node
    /// naming its index (checked once the output's size is known).
    private static func readTarget(_ node: ConfigNode, model: Model) throws -> (target: ScoreTarget, choice: ConfigNode) {
        let keys = try node.mapping()
        let (unit, classNode, regionNode) = (keys.optional("output"), keys.optional("class"), keys.optional("region"))
        try keys.finish()
        if let unit, classNode == nil, regionNode == nil { return (.unit, unit) }
        guard unit == nil, let classNode, let regionNode else {
            throw node.error("target is {output: i} (a unit of the output) or {class: c, region: …} (a segmentation class)")
        }
        let input = model.inputShape
        return (.region(try Region.read(regionNode, size: input.count == 3 ? (input[0], input[1]) : (-1, -1))), classNode)
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

    /// `target: {output: i}`: a unit index of the output.
    private func unitChoice(_ node: ConfigNode) throws -> Choice {
        let index = try node.int(atLeast: 0)
        guard index < classCount else {
            throw node.error(
                "output unit \(index) is out of range: the output '\(output.name)' has \(classCount) units (0…\(classCount - 1))")
        }
        return .index(index)
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

    /// Each batch item's class scores, read from the value of `outputNode`: the output's row (for a
    /// single-output model `[1 − p, p]`), or for a region target each class summed over the region.
    /// A region that does not fit the output (an input of another size) is an error.
    func classScores(_ output: Tensor) throws -> [[Float]] {
        let batch = output.shape[0]
        if case .region(let region) = target {
            if let problem = region.mismatch(height: output.shape[1], width: output.shape[2]) { throw VizError(problem) }
            return (0..<batch).map { item in
                (0..<classCount).map { target.score(output, item: item, index: $0, complement: { $0 }) }
            }
        }
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
        for (item, classIndex) in classes.enumerated() { target.addGradient(to: &seed, item: item, index: classIndex) }
        return seed
    }

    /// The score of each item's class, as differentiated (`1 − p` or `−logit` for class 0 of a
    /// single-output model).
    func scoreValues(classes: [Int], scoreValue: Tensor) -> [Float] {
        classes.enumerated().map { item, classIndex in
            target.score(scoreValue, item: item, index: classIndex) { [score] in score == .probability ? 1 - $0 : -$0 }
        }
    }
}
