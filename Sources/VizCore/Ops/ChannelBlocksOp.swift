/// An op the graph may hand tensors in `TensorLayout.channelBlocks`, so that activations stay in
/// oneDNN's fastest layout from one convolution to the next. Public `forward` and `inputGradients`
/// keep to the standard layout for every other caller.
protocol ChannelBlocksOp: Op {
    /// Whether this instance takes channel-blocked inputs (softmax, say, runs along an axis and does not).
    var acceptsChannelBlocks: Bool { get }

    /// `forward` for inputs in any layout; the output in the layout the op runs fastest with.
    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor

    /// `inputGradients` for values in any layout (`outputGradient` in `output`'s layout); each
    /// gradient in any layout (the graph relays it out to match its input).
    func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor]
}

// MARK: - Default implementations

/// For ops whose public passes already work on any layout and return their input's layout.
extension ChannelBlocksOp {
    var acceptsChannelBlocks: Bool { true }

    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor { forward(inputs) }

    func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        inputGradients(inputs, output: output, outputGradient: outputGradient)
    }
}

extension IdentityOp: ChannelBlocksOp {}

extension Pool2DOp: ChannelBlocksOp {}

extension ActivationOp: ChannelBlocksOp {
    /// Elementwise functions do not care how the scalars are ordered.
    var acceptsChannelBlocks: Bool { !actsOnRows }
}
