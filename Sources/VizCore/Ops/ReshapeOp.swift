/// Gives each batch item a new shape with the same scalars, in row-major order (Flatten, Reshape).
public final class ReshapeOp: Op {
    public let kind: String
    /// The item shape without the batch axis; at most one `-1`, inferred from the size.
    public let itemShape: [Int]

    public init(itemShape: [Int], kind: String = "Reshape") {
        self.itemShape = itemShape
        self.kind = kind
    }

    /// Flatten: every batch item becomes one vector.
    public static func flatten() -> ReshapeOp { ReshapeOp(itemShape: [-1], kind: "Flatten") }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind)
        let item = Array(input.dropFirst())
        let batch = input.first ?? 1
        if item.contains(where: { $0 < 0 }) { return [batch] + itemShape.map { $0 < 0 ? -1 : $0 } }
        return [batch] + (try resolved(itemSize: item.reduce(1, *)))
    }

    private func resolved(itemSize: Int) throws -> [Int] {
        let known = itemShape.filter { $0 >= 0 }.reduce(1, *)
        guard itemShape.filter({ $0 < 0 }).count <= 1,
            itemShape.contains(-1) ? (known > 0 && itemSize % known == 0) : known == itemSize
        else {
            throw VizError("\(kind) cannot reshape \(itemSize) values per item to \(ShapeCheck.describe(itemShape))")
        }
        return itemShape.map { $0 < 0 ? itemSize / known : $0 }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let input = inputs[0]
        let batch = input.shape[0]
        let item = batch == 0 ? 0 : input.count / batch
        // The shape was validated when the graph was built, so resolving cannot fail here.
        let shape = (try? resolved(itemSize: item)) ?? [item]
        return input.reshaped([batch] + shape)
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [outputGradient.reshaped(inputs[0].shape)]
    }
}
