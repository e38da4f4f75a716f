import Foundation

/// Ops wired into a directed acyclic graph, in topological order.
///
/// A forward pass computes only what the requested nodes depend on, stops after the deepest of
/// them, and frees each intermediate tensor once its last consumer has run.
public final class Graph {
    public struct Node {
        public let name: String
        public let op: Op
        /// Indices of the nodes feeding this one, all smaller than its own index.
        public let inputs: [Int]
        /// The shape inferred from the declared input shapes (batch axis 1; `-1` unknown).
        public let shape: [Int]
    }

    public private(set) var nodes: [Node] = []
    private var indexByName: [String: Int] = [:]

    /// Wall seconds spent in forward passes and gradients so far, for the manifest's `compute_seconds`.
    public var passSeconds: Double {
        passTimeLock.lock()
        defer { passTimeLock.unlock() }
        return accumulatedPassSeconds
    }

    private var accumulatedPassSeconds = 0.0
    private let passTimeLock = NSLock()

    /// Runs `body`, adding its wall time to `passSeconds`.
    func timingPass<T>(_ body: () throws -> T) rethrows -> T {
        let stopwatch = Stopwatch()
        defer {
            let seconds = stopwatch.seconds
            passTimeLock.lock()
            accumulatedPassSeconds += seconds
            passTimeLock.unlock()
        }
        return try body()
    }

    public init() {}

    /// The index of every `InputOp` node, in the order they were added.
    public var inputNodes: [Int] { nodes.indices.filter { nodes[$0].op is InputOp } }

    public func index(of name: String) -> Int? { indexByName[name] }

    /// Appends a node after checking its inputs exist and its shape can be inferred.
    @discardableResult
    public func add(_ name: String, _ op: Op, inputs: [Int] = []) throws -> Int {
        guard indexByName[name] == nil else { throw VizError("two nodes are named '\(name)'") }
        guard inputs.allSatisfy({ $0 >= 0 && $0 < nodes.count }) else {
            throw VizError("'\(name)' takes an input that is not in the graph yet")
        }
        let shape: [Int]
        if let input = op as? InputOp {
            shape = [1] + input.shape.dropFirst()
        } else {
            do { shape = try op.outputShape(for: inputs.map { nodes[$0].shape }) } catch let error as VizError {
                throw VizError(error.message, at: name)
            }
        }
        nodes.append(Node(name: name, op: op, inputs: inputs, shape: shape))
        indexByName[name] = nodes.count - 1
        return nodes.count - 1
    }

    // MARK: - Forward

    /// Runs the graph and returns the outputs of `targets`.
    public func evaluate(_ feeds: [Tensor], targets: [Int]) throws -> [Int: Tensor] {
        try timingPass { try run(feeds, targets: targets) }
    }

    /// Runs the graph from the values `given` for some nodes (a layer's activation, perturbed) up to
    /// `targets`: nothing below a given node is computed. `feeds` are read only when a target also
    /// depends on an input by another path (a skip connection around the given node), and may be
    /// empty otherwise (`ancestors(of:above:)` tells which).
    public func evaluate(_ feeds: [Tensor], given: [Int: Tensor], targets: [Int]) throws -> [Int: Tensor] {
        try timingPass { try run(feeds, given: given, targets: targets) }
    }

    /// Runs the graph up to the deepest of `targets`, keeping the values of `targets` and `wrt` and
    /// those a backward pass reads (`Op.gradientReads`): a backward pass to any node, or, given
    /// `differentiatingAt`, only to those nodes and nodes after them. Every other value is freed after
    /// its last forward use, and convolutions fused, as in `evaluate`.
    public func trace(_ feeds: [Tensor], upTo targets: [Int], differentiatingAt wrt: [Int]? = nil) throws -> Trace {
        let shallowest = wrt.map { $0.min() ?? nodes.count } ?? 0
        let values = try timingPass { try run(feeds, targets: targets + (wrt ?? []), keepingFrom: shallowest) }
        return Trace(graph: self, values: values, shallowest: shallowest)
    }

    /// `keepingFrom` nil: only the targets' values are returned (standardized); a node index: the
    /// values a backward pass down to that node reads are kept as their op laid them out, and every
    /// other value computed is returned `withoutScalars` (its shape and layout).
    private func run(_ feeds: [Tensor], given: [Int: Tensor] = [:], targets: [Int], keepingFrom shallowest: Int? = nil)
        throws -> [Int: Tensor]
    {
        if let bad = (targets + given.keys).first(where: { !nodes.indices.contains($0) }) {
            throw VizError("node \(bad) is not in the graph (it has \(nodes.count) nodes)")
        }
        let inputs = inputNodes
        let plan = self.plan(targets: targets, given: Set(given.keys), keepingFrom: shallowest)
        guard feeds.count == inputs.count || !inputs.contains(where: plan.needed.contains) else {
            throw VizError("the model takes \(inputs.count) input(s), got \(feeds.count)")
        }
        let last = targets.max() ?? -1
        // How many needed consumers each node still has: a value is freed when this reaches zero.
        var remainingUses = plan.uses

        var values: [Int: Tensor] = [:]
        let tracing = shallowest != nil
        func release(_ node: Int) { values[node] = tracing ? values[node]!.withoutScalars : nil }
        var shapes: [Int: [Int]] = [:]
        for index in 0...max(last, 0) where plan.needed.contains(index) {
            let node = nodes[index]
            if let value = given[index] {
                values[index] = value
                shapes[index] = value.shape
                continue
            }
            if let input = node.op as? InputOp {
                let feed = feeds[inputs.firstIndex(of: index)!]
                guard input.accepts(feed.shape) else {
                    throw VizError(
                        "the model expects input shape \(ShapeCheck.describe(input.shape)), got \(ShapeCheck.describe(feed.shape))",
                        at: node.name)
                }
                values[index] = feed
                shapes[index] = feed.shape
                continue
            }
            do { shapes[index] = try node.op.outputShape(for: node.inputs.map { shapes[$0]! }) } catch let error as VizError {
                throw VizError(error.message, at: node.name)
            }
            if plan.inside.contains(index) { continue } // computed with the last node of its chain
            var reads = node.inputs
            if let chain = plan.fused[index] {
                reads = nodes[chain.convolution].inputs + (chain.sum.map { [$0.residual] } ?? [])
                let residualFree = chain.sum.map { remainingUses[$0.residual] == 1 && !plan.kept.contains($0.residual) } ?? false
                if residualFree { remainingUses[chain.sum!.residual] = 0 }
                let residualShell = residualFree && tracing ? values[chain.sum!.residual]!.withoutScalars : nil
                values[index] = forwardFused(chain, &values, takeResidual: residualFree)
                if residualFree {
                    reads.removeLast()
                    values[chain.sum!.residual] = residualShell
                }
                if tracing { for inside in chain.inside { values[inside] = values[index]!.withoutScalars } }
            } else {
                let arguments = arguments(of: index, values)
                if let op = node.op as? ChannelBlocksOp, op.acceptsChannelBlocks {
                    values[index] = op.forwardKeepingLayout(arguments)
                } else {
                    values[index] = node.op.forward(arguments)
                }
            }
            for input in reads {
                remainingUses[input] -= 1
                if remainingUses[input] == 0, !plan.kept.contains(input) { release(input) }
            }
        }
        let wanted = Set(targets)
        return shallowest != nil ? values : values.filter { wanted.contains($0.key) }.mapValues { $0.standardized() }
    }

    /// The inputs of node `index`, in standard layout unless its op takes channel blocks.
    func arguments(of index: Int, _ values: [Int: Tensor]) -> [Tensor] {
        let node = nodes[index]
        let inputs = node.inputs.map { values[$0]! }
        return (node.op as? ChannelBlocksOp)?.acceptsChannelBlocks == true ? inputs : inputs.map { $0.standardized() }
    }

    /// `targets` and every node they depend on.
    public func ancestors(of targets: [Int]) -> Set<Int> {
        ancestors(of: targets, above: [])
    }

    /// A node without a gradient (`Op.hasGradient`) through which alone `target` depends on
    /// `source`, the one nearest `target`; nil when a gradient flows from `target` back to
    /// `source`, or when `target` does not depend on `source` at all.
    public func gradientStop(from target: Int, to source: Int) -> Int? {
        let stops = Set(nodes.indices.filter { !nodes[$0].op.hasGradient })
        guard !stops.isEmpty else { return nil }
        let reached = ancestors(of: [target], above: stops)
        guard !reached.contains(source) else { return nil }
        return reached.intersection(stops).sorted(by: >).first { ancestors(of: [$0]).contains(source) }
    }

    /// `targets` and every node they depend on without passing through a node of `boundary` (the
    /// boundary nodes themselves included, not what feeds them).
    public func ancestors(of targets: [Int], above boundary: Set<Int>) -> Set<Int> {
        var seen = Set<Int>()
        var stack = targets
        while let index = stack.popLast() {
            guard seen.insert(index).inserted, !boundary.contains(index) else { continue }
            stack.append(contentsOf: nodes[index].inputs)
        }
        return seen
    }
}

/// The values of one forward pass, kept for differentiating back through it.
///
/// Values stay in the layout their op produced; a gradient is kept in its node's value layout,
/// and seeds and results cross in the standard layout.
public struct Trace {
    public let graph: Graph
    private(set) var values: [Int: Tensor]
    /// The first node gradients can be asked for (`Graph.trace(_:upTo:differentiatingAt:)`).
    let shallowest: Int

    /// The output of `node` in the forward pass, or nil when the pass did not compute or keep it
    /// (it keeps its targets', those of the nodes it differentiates at and what gradients read).
    public func value(_ node: Int) -> Tensor? { values[node].flatMap { $0.hasScalars ? $0.standardized() : nil } }

    /// How gradients pass back through the graph.
    public enum BackwardRule: Sendable {
        /// The chain rule.
        case gradient
        /// Guided backpropagation (Springenberg et al., 2015): through every rectifier (`RectifierOp`)
        /// only the positive part of the gradient it passes, `relu(g · (x > 0))`, as Captum's
        /// `GuidedBackprop` and pytorch-grad-cam's `GuidedBackpropReLUModel` compute it.
        case guided
    }

    /// Reverse-mode differentiation: given d(loss)/d(output) at some nodes, returns d(loss)/d(output)
    /// at each node of `wrt` (zeros where the loss does not depend on it).
    public func gradients(seeds: [Int: Tensor], wrt: [Int], rule: BackwardRule = .gradient) throws -> [Int: Tensor] {
        var values = self.values
        return try graph.timingPass { try backward(&values, seeds: seeds, wrt: wrt, rule: rule) }
    }

    /// `gradients(seeds:wrt:rule:)` for the last time: the values leave the trace, and each is
    /// freed as the pass goes below it (unless a copy of the trace still holds it), so that the
    /// gradients of the shallow layers reuse the deep layers' room.
    public mutating func lastGradients(seeds: [Int: Tensor], wrt: [Int], rule: BackwardRule = .gradient) throws -> [Int: Tensor] {
        var values = self.values
        self.values = [:]
        return try graph.timingPass { try backward(&values, seeds: seeds, wrt: wrt, rule: rule) }
    }

    /// The backward pass, which leaves each value it is done with as a shell.
    private func backward(
        _ values: inout [Int: Tensor], seeds: [Int: Tensor], wrt: [Int], rule: BackwardRule
    ) throws -> [Int: Tensor] {
        for node in Array(seeds.keys) + wrt where !graph.nodes.indices.contains(node) {
            throw VizError("node \(node) is not in the graph (it has \(graph.nodes.count) nodes)")
        }
        if let node = wrt.first(where: { $0 < self.shallowest }) {
            throw VizError(
                "no gradient here: the forward pass kept values for gradients from '\(graph.nodes[self.shallowest].name)' on",
                at: graph.nodes[node].name)
        }
        for (node, seed) in seeds where values[node].map({ $0.shape != seed.shape }) ?? false {
            throw VizError(
                "the gradient seed has shape \(seed.shape), the layer's output \(values[node]!.shape)",
                at: graph.nodes[node].name)
        }
        var gradients = Dictionary(
            uniqueKeysWithValues: seeds.map { node, seed in
                (node, seed.relaidOut(values[node]?.layout ?? .standard))
            })
        let deepest = seeds.keys.max() ?? -1
        let shallowest = wrt.min() ?? 0
        // Only nodes on a path from `wrt` to the seeds need their inputs' gradients.
        let upstream = graph.ancestors(of: Array(seeds.keys))
        for index in stride(from: deepest, through: shallowest, by: -1) where upstream.contains(index) {
            // Nodes below read only this value's shape and layout.
            defer { values[index] = values[index]?.withoutScalars }
            guard let outputGradient = gradients[index] else { continue }
            let node = graph.nodes[index]
            // The gradients of inputs below every node of `wrt` are never read.
            if node.op is InputOp || !node.inputs.contains(where: { $0 >= shallowest }) { continue }
            guard let output = values[index] else {
                throw VizError("the forward pass did not reach this layer", at: node.name)
            }
            let arguments = graph.arguments(of: index, values)
            var inputGradients: [Tensor]
            if let op = node.op as? ChannelBlocksOp, op.acceptsChannelBlocks {
                inputGradients = op.inputGradientsKeepingLayout(arguments, output: output, outputGradient: outputGradient)
            } else {
                inputGradients = node.op.inputGradients(
                    arguments, output: output.standardized(),
                    outputGradient: outputGradient.standardized())
            }
            if rule == .guided, (node.op as? RectifierOp)?.rectifies == true {
                inputGradients = inputGradients.map(\.positivePart)
            }
            for (input, gradient) in zip(node.inputs, inputGradients) where input >= shallowest {
                let gradient = gradient.relaidOut(values[input]!.layout)
                if gradients[input] != nil {
                    // In place: a copy out of the dictionary would duplicate the buffer on write.
                    gradients[input]!.scalars.withUnsafeMutableBufferPointer { sum in
                        gradient.scalars.withUnsafeBufferPointer { add in
                            for i in sum.indices { sum[i] += add[i] }
                        }
                    }
                } else {
                    gradients[input] = gradient
                }
            }
            if !wrt.contains(index) { gradients[index] = nil }
        }
        var result: [Int: Tensor] = [:]
        for node in wrt {
            result[node] = gradients[node]?.standardized() ?? Tensor(zeros: values[node]?.shape ?? graph.nodes[node].shape)
        }
        return result
    }
}
