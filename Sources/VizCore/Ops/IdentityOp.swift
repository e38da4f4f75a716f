/// Passes its input through: Dropout and other training-only layers at inference.
public final class IdentityOp: Op {
    public let kind: String

    public init(kind: String = "Identity") { self.kind = kind }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try ShapeCheck.single(inputShapes, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { inputs[0] }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [outputGradient]
    }
}
