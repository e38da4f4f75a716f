/// Adds zero rows and columns around each feature map (Keras `ZeroPadding2D`), or with negative
/// amounts removes them (`Cropping2D`).
public final class Pad2DOp: Op {
    public let kind: String
    /// Rows added (negative: removed) at the top and bottom, columns at the left and right.
    public let top, bottom, left, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int, kind: String = "ZeroPadding2D") {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
        self.kind = kind
    }

    /// `Cropping2D`: removes the given rows and columns.
    public static func cropping(top: Int, bottom: Int, left: Int, right: Int) -> Pad2DOp {
        Pad2DOp(top: -top, bottom: -bottom, left: -left, right: -right, kind: "Cropping2D")
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        let height = input[1] < 0 ? -1 : input[1] + top + bottom
        let width = input[2] < 0 ? -1 : input[2] + left + right
        guard input[1] < 0 || height > 0, input[2] < 0 || width > 0 else {
            throw VizError("\(kind) leaves nothing of an input of shape \(ShapeCheck.describe(input))")
        }
        return [input[0], height, width, input[3]]
    }

    /// Copies the pixels of `source` that also exist in `target`, source pixel (y, x) going to (y + rowShift, x + columnShift).
    private static func copyOverlap(_ source: Tensor, into target: inout Tensor, rowShift: Int, columnShift: Int) {
        let (batch, channels) = (source.shape[0], source.shape[3])
        let (sh, sw, th, tw) = (source.shape[1], source.shape[2], target.shape[1], target.shape[2])
        let firstColumn = max(0, -columnShift)
        let lastColumn = min(sw, tw - columnShift)
        guard lastColumn > firstColumn else { return }
        let length = (lastColumn - firstColumn) * channels
        for n in 0..<batch {
            for y in max(0, -rowShift)..<min(sh, th - rowShift) {
                let from = ((n * sh + y) * sw + firstColumn) * channels
                let to = ((n * th + y + rowShift) * tw + firstColumn + columnShift) * channels
                target.scalars.replaceSubrange(to..<(to + length), with: source.scalars[from..<(from + length)])
            }
        }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        var out = Tensor(zeros: [x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3]])
        Self.copyOverlap(x, into: &out, rowShift: top, columnShift: left)
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = Tensor(zeros: inputs[0].shape)
        Self.copyOverlap(outputGradient, into: &dx, rowShift: -top, columnShift: -left)
        return [dx]
    }
}
