/// Where a graph takes a tensor from outside; its shape is checked when a tensor is fed.
public final class InputOp: Op {
    /// Declared shape with batch axis; `-1` where any size is accepted.
    public let shape: [Int]

    public init(shape: [Int]) { self.shape = shape }

    public var kind: String { "InputLayer" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] { shape }

    public func forward(_ inputs: [Tensor]) -> Tensor { inputs[0] }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [outputGradient]
    }

    /// Whether a fed tensor of this shape fits the declaration.
    public func accepts(_ fed: [Int]) -> Bool {
        fed.count == shape.count && zip(fed, shape).allSatisfy { $1 < 0 || $0 == $1 }
    }
}
