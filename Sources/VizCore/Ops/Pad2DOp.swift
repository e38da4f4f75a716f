/// Adds rows and columns around each feature map (Keras `ZeroPadding2D`, ONNX `Pad`), or with
/// negative amounts removes them (`Cropping2D`). The added cells are zeros, or copies of the
/// input's own cells as NumPy's `np.pad` modes take them (ONNX's `reflect`, `edge` and `wrap`).
public final class Pad2DOp: Op {
    public enum Mode: String, Sendable {
        case zeros
        /// Mirrored about the edge cell, which is not repeated (`dcb|abcd|cba`), repeatedly.
        case reflect
        /// The edge cell repeated (`aaa|abcd|ddd`).
        case edge
        /// The other side's cells (`bcd|abcd|abc`).
        case wrap
    }

    public let kind: String
    public let mode: Mode
    /// Rows added (negative: removed) at the top and bottom, columns at the left and right.
    public let top, bottom, left, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int, mode: Mode = .zeros, kind: String = "ZeroPadding2D") {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
        self.mode = mode
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
        guard mode == .zeros || (input[1] != 0 && input[2] != 0) else {
            throw VizError(
                "\(kind) in mode '\(mode.rawValue)' has no cells to copy in an input of shape \(ShapeCheck.describe(input))")
        }
        return [input[0], height, width, input[3]]
    }

    /// For each of `output` positions along an axis of `size` with `before` added in front, the
    /// input position it copies, or nil for a zero.
    private func sources(size: Int, before: Int, output: Int) -> [Int?] {
        (0..<output).map { position in
            let index = position - before
            if index >= 0, index < size { return index }
            switch mode {
            case .zeros: return nil
            case .edge: return min(max(index, 0), size - 1)
            case .wrap: return (index % size + size) % size
            case .reflect:
                guard size > 1 else { return 0 }
                let period = 2 * (size - 1)
                let folded = (index % period + period) % period
                return folded < size ? folded : period - folded
            }
        }
    }

    private struct Plan {
        var rows: [Int?], columns: [Int?]
        var height: Int, width: Int
    }

    private func plan(_ shape: [Int]) -> Plan {
        let (height, width) = (shape[1], shape[2])
        return Plan(
            rows: sources(size: height, before: top, output: height + top + bottom),
            columns: sources(size: width, before: left, output: width + left + right),
            height: height, width: width)
    }

    /// Each output pixel a copy of its source pixel's channels, or zeros. A channel-blocked input
    /// (`ChannelBlocksOp`) is padded as it is stored, each block of channels an image of its own,
    /// and the output keeps its layout.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let plan = plan(x.shape)
        let storage = x.storageShape
        let (images, channels) = (storage[0], storage[3])
        let (outHeight, outWidth) = (plan.rows.count, plan.columns.count)
        var out = Tensor(zeros: [x.shape[0], outHeight, outWidth, x.shape[3]])
        out.layout = x.layout
        x.scalars.withUnsafeBufferPointer { input in
            out.scalars.withUnsafeMutableBufferPointer { output in
                let output = output
                Parallelism.forEach(images * outHeight) { outRow in
                    let (n, oy) = outRow.quotientAndRemainder(dividingBy: outHeight)
                    guard let iy = plan.rows[oy] else { return }
                    let line = input.baseAddress! + (n * plan.height + iy) * plan.width * channels
                    for (ox, column) in plan.columns.enumerated() {
                        guard let ix = column else { continue }
                        (output.baseAddress! + (outRow * outWidth + ox) * channels)
                            .update(from: line + ix * channels, count: channels)
                    }
                }
            }
        }
        return out
    }

    /// The forward's copies in reverse: each output pixel's gradient added to its source pixel's
    /// (several output pixels share a source where the mode copies the input's cells).
    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let plan = plan(x.shape)
        let (outHeight, outWidth) = (plan.rows.count, plan.columns.count)
        var dx = Tensor(zeros: x.shape)
        dx.layout = outputGradient.layout
        let storage = dx.storageShape
        let (images, channels) = (storage[0], storage[3])
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                let dxBuffer = dxBuffer
                // Images (or channel blocks) in parallel: no two write the same input cell.
                Parallelism.forEach(images) { n in
                    for (oy, row) in plan.rows.enumerated() {
                        guard let iy = row else { continue }
                        let line = dxBuffer.baseAddress! + (n * plan.height + iy) * plan.width * channels
                        for (ox, column) in plan.columns.enumerated() {
                            guard let ix = column else { continue }
                            let gradient = dy.baseAddress! + ((n * outHeight + oy) * outWidth + ox) * channels
                            let target = line + ix * channels
                            for c in 0..<channels { target[c] += gradient[c] }
                        }
                    }
                }
            }
        }
        return [dx]
    }
}
