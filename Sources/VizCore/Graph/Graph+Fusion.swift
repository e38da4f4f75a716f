/// Convolutions run together with the residual sum and the ReLU that follow them.
///
/// A ResNet block's `Conv → Relu` and `Conv → Add → Relu` become one oneDNN primitive each, with
/// post-ops (`ConvolutionEpilogue`), which saves a pass over memory and a buffer per fused node.
/// Fusion is decided per forward pass, for every loader alike, and only where the nodes inside a
/// chain are values nobody asked for: not a target, not given, read by no other node of the pass,
/// and not kept for a backward pass (`Graph.trace(_:upTo:differentiatingAt:)` keeps only what the
/// gradients it will be asked for need). A fused chain therefore never has to be differentiated:
/// gradients run over the unfused nodes, whose values a trace keeps.
extension Graph {
    /// What a forward pass computes, keeps and fuses.
    struct PassPlan {
        /// The targets and what they depend on, down to the given nodes.
        let needed: Set<Int>
        /// How many needed nodes read each node.
        let uses: [Int]
        /// Values that outlive their last reader: the targets' and those a backward pass reads.
        let kept: Set<Int>
        /// The fused chains, by their last node, and the nodes inside them.
        let fused: [Int: FusedConvolution]
        let inside: Set<Int>
    }

    /// The plan of a pass to `targets`, from the values of `given` nodes; `keepingFrom`, when not
    /// nil, keeps the values a backward pass down to that node reads (`Op.gradientReads`).
    func plan(targets: [Int], given: Set<Int> = [], keepingFrom shallowest: Int? = nil) -> PassPlan {
        let needed = ancestors(of: targets, above: given)
        var uses = [Int](repeating: 0, count: nodes.count)
        for index in needed { for input in nodes[index].inputs { uses[input] += 1 } }
        var kept = Set(targets)
        if let shallowest {
            // A backward pass runs through the nodes with an input from `shallowest` on, and reads what their ops say.
            for index in needed where nodes[index].inputs.contains(where: { $0 >= shallowest }) {
                let reads = nodes[index].op.gradientReads
                if reads.readsOutput { kept.insert(index) }
                for (position, input) in nodes[index].inputs.enumerated() where reads.readsInput(position) {
                    kept.insert(input)
                }
            }
        }
        let fused = fusedConvolutions(needed: needed, uses: uses) { !kept.contains($0) && !given.contains($0) }
        return PassPlan(needed: needed, uses: uses, kept: kept, fused: fused, inside: Set(fused.values.flatMap(\.inside)))
    }

    struct FusedConvolution {
        let convolution: Int
        /// The `AddOp` node the convolution's output feeds, and the sum's other input.
        let sum: (node: Int, residual: Int)?
        /// The ReLU node that ends the chain.
        let rectifier: Int?

        /// The node whose value the chain computes.
        var last: Int { rectifier ?? sum!.node }
        /// The nodes computed inside the primitive, whose values are never stored.
        var inside: [Int] { rectifier == nil ? [convolution] : [convolution] + (sum.map { [$0.node] } ?? []) }
        var epilogue: ConvolutionEpilogue { ConvolutionEpilogue(addsResidual: sum != nil, rectifies: rectifier != nil) }
    }

    /// The chains among the `needed` nodes of a pass, by their last node. `uses[i]` counts the
    /// needed nodes reading node i; `disposable(i)` says whether its value may go unstored.
    private func fusedConvolutions(needed: Set<Int>, uses: [Int], disposable: (Int) -> Bool) -> [Int: FusedConvolution] {
        // The one needed reader of each node read once.
        var reader: [Int: Int] = [:]
        for index in needed { for input in nodes[index].inputs where uses[input] == 1 { reader[input] = index } }
        func onlyReader(_ index: Int) -> Int? { disposable(index) ? reader[index] : nil }
        func isRelu(_ index: Int) -> Bool { (nodes[index].op as? ActivationOp)?.function == .relu }

        var chains: [Int: FusedConvolution] = [:]
        var claimed = Set<Int>()
        for convolution in needed.sorted() where nodes[convolution].op is PrimitiveConvolution {
            guard nodes[convolution].inputs.count == 1, let next = onlyReader(convolution), !claimed.contains(next) else {
                continue
            }
            var chain: FusedConvolution?
            let addInputs = nodes[next].inputs
            if nodes[next].op is AddOp, addInputs.count == 2, let residual = addInputs.first(where: { $0 != convolution }) {
                let rectifier = onlyReader(next).flatMap { isRelu($0) ? $0 : nil }
                chain = FusedConvolution(convolution: convolution, sum: (next, residual), rectifier: rectifier)
            } else if isRelu(next) {
                chain = FusedConvolution(convolution: convolution, sum: nil, rectifier: next)
            }
            guard let chain else { continue }
            claimed.formUnion([chain.last] + chain.inside)
            chains[chain.last] = chain
        }
        return chains
    }

    /// The value of `chain.last`: one primitive where oneDNN has it, otherwise the chain's ops one
    /// after the other. `takeResidual` says the residual's value is read by nothing else and may
    /// become the output in place (it is then removed from `values`).
    func forwardFused(_ chain: FusedConvolution, _ values: inout [Int: Tensor], takeResidual: Bool) -> Tensor {
        let convolution = nodes[chain.convolution].op as! PrimitiveConvolution
        let source = arguments(of: chain.convolution, values)
        var residual = chain.sum.map { takeResidual ? values.removeValue(forKey: $0.residual)! : values[$0.residual]! }
        if let fused = convolution.forwardFused(source, epilogue: chain.epilogue, residual: &residual) { return fused }
        var value = convolution.forwardKeepingLayout(source)
        if let sum = chain.sum { value = (nodes[sum.node].op as! AddOp).forwardKeepingLayout([value, residual!]) }
        if let rectifier = chain.rectifier { value = (nodes[rectifier].op as! ActivationOp).forwardKeepingLayout([value]) }
        return value
    }
}
