import VizCore

/// `objective: {sum: [...]}` or one term written alone: Lucid-style objectives that combine
/// channels, neurons, directions, class logits, whole layers and diversity, each with a weight,
/// over layers anywhere in the model. Every image of the batch maximises the same total.
struct ComposedObjective: Equatable {
    var terms: [ObjectiveTerm]

    /// The nodes the terms read, each once, in the order first named.
    var nodes: [Int] { terms.map(\.node).reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }

    /// The total over the batch and d(total)/d(node) for every node read, from a forward trace.
    func evaluate(_ values: (Int) -> Tensor?) throws -> (value: Double, seeds: [Int: Tensor]) {
        var total = 0.0
        var seeds: [Int: Tensor] = [:]
        for term in terms {
            guard let activations = values(term.node) else {
                throw VizError("the forward pass did not reach layer '\(term.layer)'")
            }
            let (value, gradient) = try term.evaluate(activations)
            total += value
            if var seed = seeds[term.node] {
                for i in seed.scalars.indices { seed.scalars[i] += gradient.scalars[i] }
                seeds[term.node] = seed
            } else {
                seeds[term.node] = gradient
            }
        }
        return (total, seeds)
    }
}
