/// The elementwise merge layers besides `Add`: `Subtract` (two inputs), `Multiply`, `Average`,
/// `Maximum` and `Minimum`; and a broadcasting sum (ONNX `Add`; Keras's `Add` is `AddOp`) and
/// quotient (ONNX `Div` of two computed values, two inputs). Inputs of
/// equal rank broadcast where one has size 1, as Keras's merge layers do: a squeeze-and-excite block
/// multiplies (N, H, W, C) by (N, 1, 1, C).
///
/// Keras folds `Maximum`/`Minimum` pairwise from the first input with TensorFlow's
/// `maximum`/`minimum`, whose gradient goes to the first argument on ties: so a tie sends the
/// gradient to the earliest tied input.
public final class ElementwiseMergeOp: Op {
    public enum Operation: String, Sendable {
        case add = "Add"
        case subtract = "Subtract"
        case multiply = "Multiply"
        case average = "Average"
        case maximum = "Maximum"
        case minimum = "Minimum"
        case divide = "Divide"
    }

    public let operation: Operation

    public init(_ operation: Operation) { self.operation = operation }

    public var kind: String { operation.rawValue }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard let first = inputShapes.first, inputShapes.count >= 2 else { throw VizError("\(kind) needs two or more inputs") }
        if operation == .subtract || operation == .divide, inputShapes.count != 2 {
            throw VizError("\(kind) needs exactly two inputs, got \(inputShapes.count)")
        }
        var output = first
        for shape in inputShapes.dropFirst() {
            guard let broadcast = MergeShapes.broadcast(output, shape) else {
                throw VizError("\(kind) inputs differ in shape: \(ShapeCheck.describe(first)) and \(ShapeCheck.describe(shape))")
            }
            output = broadcast
        }
        return output
    }

    /// The inputs repeated along their size-1 axes to the output's shape.
    private func broadcasted(_ inputs: [Tensor]) -> [Tensor] {
        let shape = inputs.dropFirst().reduce(inputs[0].shape) { MergeShapes.broadcast($0, $1.shape)! }
        return inputs.map { $0.shape == shape ? $0 : Tensor(shape: shape, scalars: Broadcast.expand($0, toItem: shape)) }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let inputs = broadcasted(inputs)
        var out = inputs[0]
        for input in inputs.dropFirst() {
            for i in out.scalars.indices {
                let a = out.scalars[i]
                let b = input.scalars[i]
                switch operation {
                case .add: out.scalars[i] = a + b
                case .subtract: out.scalars[i] = a - b
                case .multiply: out.scalars[i] = a * b
                case .average: out.scalars[i] = a + b
                case .maximum: out.scalars[i] = b > a ? b : a
                case .minimum: out.scalars[i] = b < a ? b : a
                case .divide: out.scalars[i] = a / b
                }
            }
        }
        if operation == .average {
            let count = Float(inputs.count)
            for i in out.scalars.indices { out.scalars[i] /= count }
        }
        return out
    }

    /// The maximum and minimum find their winners in the output.
    public var gradientReads: GradientReads { operation == .maximum || operation == .minimum ? .everything : .allInputs }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        // Each input's gradient at the output's shape, summed back over the axes it was repeated along.
        zip(broadcastedGradients(broadcasted(inputs), output: output, outputGradient: outputGradient), inputs).map {
            $0.shape == $1.shape ? $0 : Broadcast.sum($0, toItem: $1.shape)
        }
    }

    private func broadcastedGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let g = outputGradient
        switch operation {
        case .add:
            return Array(repeating: g, count: inputs.count)
        case .subtract:
            return [g, Tensor(shape: g.shape, scalars: g.scalars.map { -$0 })]
        case .average:
            let share = Tensor(shape: g.shape, scalars: g.scalars.map { $0 / Float(inputs.count) })
            return Array(repeating: share, count: inputs.count)
        case .divide:
            let (a, b) = (inputs[0].scalars, inputs[1].scalars)
            return [
                Tensor(shape: g.shape, scalars: g.scalars.indices.map { g.scalars[$0] / b[$0] }),
                Tensor(shape: g.shape, scalars: g.scalars.indices.map { -g.scalars[$0] * a[$0] / (b[$0] * b[$0]) }),
            ]
        case .multiply:
            return inputs.indices.map { skipped in
                var d = g
                for (index, input) in inputs.enumerated() where index != skipped {
                    for i in d.scalars.indices { d.scalars[i] *= input.scalars[i] }
                }
                return d
            }
        case .maximum, .minimum:
            // The winner of each element is the earliest input that equals the output.
            var grads = inputs.map { Tensor(zeros: $0.shape) }
            for i in g.scalars.indices {
                let winner = inputs.firstIndex { $0.scalars[i] == output.scalars[i] } ?? 0
                grads[winner].scalars[i] = g.scalars[i]
            }
            return grads
        }
    }
}
