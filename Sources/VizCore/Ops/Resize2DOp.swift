import Foundation

/// Resamples each feature map to a new height and width (Keras `UpSampling2D` by a factor,
/// `Resizing` to a fixed size), as TensorFlow 2's `tf.image.resize` does: half-pixel centres,
/// no antialiasing. Nearest reads source pixel ⌊(i + ½)·scale⌋; bilinear mixes the two pixels
/// around (i + ½)·scale − ½, clamped at the edges. With an integer factor nearest repeats pixels.
public final class Resize2DOp: Op {
    public enum Interpolation: String, Sendable { case nearest, bilinear }

    public enum Size: Sendable {
        /// Height and width multiplied.
        case factor(Int, Int)
        /// Height and width.
        case fixed(Int, Int)
    }

    public let size: Size
    public let interpolation: Interpolation
    public let kind: String

    public init(_ size: Size, interpolation: Interpolation, kind: String) {
        self.size = size
        self.interpolation = interpolation
        self.kind = kind
    }

    private func outputSize(height: Int, width: Int) -> (Int, Int) {
        switch size {
        case let .factor(h, w): return (height < 0 ? -1 : height * h, width < 0 ? -1 : width * w)
        case let .fixed(h, w): return (h, w)
        }
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        let (height, width) = outputSize(height: input[1], width: input[2])
        return [input[0], height, width, input[3]]
    }

    /// The two source indices and the weight of the second, for each output index along one axis.
    private struct Tap { var lower: Int, upper: Int, weight: Float }

    private func taps(input: Int, output: Int) -> [Tap] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { i in
            switch interpolation {
            case .nearest:
                let source = min(max(Int(Foundation.floor((Float(i) + 0.5) * scale)), 0), input - 1)
                return Tap(lower: source, upper: source, weight: 0)
            case .bilinear:
                let position = (Float(i) + 0.5) * scale - 0.5
                let floor = Foundation.floor(position)
                return Tap(lower: max(Int(floor), 0), upper: min(Int(Foundation.ceil(position)), input - 1),
                           weight: position - floor)
            }
        }
    }

    /// Calls `body(outputPixel, inputPixel, weight)` for the four contributions to every output
    /// pixel (those of nearest have weight 0 but one).
    private func forEachContribution(inputShape: [Int], _ body: (Int, Int, Float) -> Void) {
        let (batch, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let rows = taps(input: height, output: outHeight), columns = taps(input: width, output: outWidth)
        var outPixel = 0
        for n in 0..<batch {
            for row in rows {
                for column in columns {
                    let top = (n * height + row.lower) * width, bottom = (n * height + row.upper) * width
                    body(outPixel, top + column.lower, (1 - row.weight) * (1 - column.weight))
                    body(outPixel, top + column.upper, (1 - row.weight) * column.weight)
                    body(outPixel, bottom + column.lower, row.weight * (1 - column.weight))
                    body(outPixel, bottom + column.upper, row.weight * column.weight)
                    outPixel += 1
                }
            }
        }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let channels = x.shape[3]
        let (height, width) = outputSize(height: x.shape[1], width: x.shape[2])
        var out = Tensor(zeros: [x.shape[0], height, width, channels])
        forEachContribution(inputShape: x.shape) { outPixel, inPixel, weight in
            guard weight != 0 else { return }
            for c in 0..<channels { out.scalars[outPixel * channels + c] += weight * x.scalars[inPixel * channels + c] }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let channels = x.shape[3]
        var dx = Tensor(zeros: x.shape)
        forEachContribution(inputShape: x.shape) { outPixel, inPixel, weight in
            guard weight != 0 else { return }
            for c in 0..<channels { dx.scalars[inPixel * channels + c] += weight * outputGradient.scalars[outPixel * channels + c] }
        }
        return [dx]
    }
}
