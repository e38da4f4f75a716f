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

extension Pad2DOp: ChannelBlocksOp {}

/// Elementwise: the order of the scalars does not matter.
extension MathFunctionOp: ChannelBlocksOp {}

extension ActivationOp: ChannelBlocksOp {
    /// Elementwise functions do not care how the scalars are ordered.
    var acceptsChannelBlocks: Bool { !actsOnRows }
}

extension AddOp: ChannelBlocksOp {
    /// Every input in the first one's layout, so the sum runs over the storage as it is.
    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor {
        forward(inputs.map { $0.relaidOut(inputs[0].layout) })
    }
}

extension AffineOp: ChannelBlocksOp {
    /// Parameters that vary along the channel axis only (BatchNormalization's usual case) follow the
    /// channels into their blocks.
    var acceptsChannelBlocks: Bool {
        [scale, offset].allSatisfy { $0.shape.dropLast().allSatisfy { $0 == 1 } }
    }

    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        guard case .channelBlocks(let block) = x.layout else { return forward(inputs) }
        let (scale, offset) = (perChannel(self.scale, x.shape), perChannel(self.offset, x.shape))
        return Tensor(shape: x.shape, layout: x.layout) { y in
            x.scalars.withUnsafeBufferPointer { values in
                Self.forEachPlane(values.count, shape: x.shape, block: block) { range, firstChannel in
                    for i in range {
                        let c = firstChannel + i % block
                        y[i] = values[i] * scale[c] + offset[c]
                    }
                }
            }
        }
    }

    func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        guard case .channelBlocks(let block) = outputGradient.layout else {
            return inputGradients(inputs, output: output, outputGradient: outputGradient)
        }
        let scale = perChannel(self.scale, outputGradient.shape)
        return [
            Tensor(shape: outputGradient.shape, layout: outputGradient.layout) { dx in
                outputGradient.scalars.withUnsafeBufferPointer { g in
                    Self.forEachPlane(g.count, shape: outputGradient.shape, block: block) { range, firstChannel in
                        for i in range { dx[i] = g[i] * scale[firstChannel + i % block] }
                    }
                }
            }
        ]
    }

    /// One value per channel of an NHWC `shape` (the parameter has the item's rank, 3).
    private func perChannel(_ parameter: Tensor, _ shape: [Int]) -> [Float] {
        Broadcast.expand(parameter, toItem: [1, 1, shape[3]])
    }

    /// Calls `body(storageRange, firstChannel)` for each (image, channel block) plane, in parallel.
    private static func forEachPlane(_ count: Int, shape: [Int], block: Int, _ body: (Range<Int>, Int) -> Void) {
        let planeSize = shape[1] * shape[2] * block
        let blocks = shape[3] / block
        Parallelism.forEach(count / max(planeSize, 1)) { plane in
            body((plane * planeSize)..<((plane + 1) * planeSize), (plane % blocks) * block)
        }
    }
}
