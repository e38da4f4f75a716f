/// The elementwise merge layers besides `Add`: `Subtract` (two inputs), `Multiply`, `Average`,
/// `Maximum` and `Minimum`, over equally shaped inputs.
///
/// Keras folds `Maximum`/`Minimum` pairwise from the first input with TensorFlow's
/// `maximum`/`minimum`, whose gradient goes to the first argument on ties: so a tie sends the
/// gradient to the earliest tied input.
public final class ElementwiseMergeOp: Op {
    public enum Operation: String, Sendable {
        case subtract = "Subtract", multiply = "Multiply", average = "Average"
        case maximum = "Maximum", minimum = "Minimum"
    }

    public let operation: Operation

    public init(_ operation: Operation) { self.operation = operation }

    public var kind: String { operation.rawValue }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        guard let first = inputShapes.first, inputShapes.count >= 2 else { throw VizError("\(kind) needs two or more inputs") }
        if operation == .subtract, inputShapes.count != 2 {
            throw VizError("Subtract needs exactly two inputs, got \(inputShapes.count)")
        }
        for shape in inputShapes.dropFirst() where !MergeShapes.compatible(shape, first) {
            throw VizError("\(kind) inputs differ in shape: \(ShapeCheck.describe(first)) and \(ShapeCheck.describe(shape))")
        }
        return first
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        for input in inputs.dropFirst() {
            for i in out.scalars.indices {
                let a = out.scalars[i], b = input.scalars[i]
                switch operation {
                case .subtract: out.scalars[i] = a - b
                case .multiply: out.scalars[i] = a * b
                case .average: out.scalars[i] = a + b
                case .maximum: out.scalars[i] = b > a ? b : a
                case .minimum: out.scalars[i] = b < a ? b : a
                }
            }
        }
        if operation == .average {
            let count = Float(inputs.count)
            for i in out.scalars.indices { out.scalars[i] /= count }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let g = outputGradient
        switch operation {
        case .subtract:
            return [g, Tensor(shape: g.shape, scalars: g.scalars.map { -$0 })]
        case .average:
            let share = Tensor(shape: g.shape, scalars: g.scalars.map { $0 / Float(inputs.count) })
            return Array(repeating: share, count: inputs.count)
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
