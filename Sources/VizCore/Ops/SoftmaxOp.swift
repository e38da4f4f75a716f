import Foundation

/// Softmax over any axis (Keras `Softmax` layer), or its logarithm (ONNX `LogSoftmax`); `axis`
/// counts the batch axis, negative from the end.
public final class SoftmaxOp: Op {
    public let axis: Int
    public let log: Bool

    public init(axis: Int, log: Bool = false) {
        self.axis = axis
        self.log = log
    }

    public var kind: String { log ? "LogSoftmax" : "Softmax" }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        guard (1..<max(shape.count, 1)).contains(resolved(shape.count)) else {
            throw VizError("\(kind) axis \(axis) is out of range for shape \(ShapeCheck.describe(shape))")
        }
        return shape
    }

    private func resolved(_ rank: Int) -> Int { axis < 0 ? axis + rank : axis }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        SoftmaxKernel.forward(inputs[0], axis: resolved(inputs[0].rank), log: log)
    }

    public var gradientReads: GradientReads { .output }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        [
            SoftmaxKernel.inputGradient(
                output: output, outputGradient: outputGradient, axis: resolved(output.rank),
                log: log)
        ]
    }
}

/// Softmax and log-softmax along one axis of a row-major tensor, shared by `SoftmaxOp` and the
/// softmax activations. The axis splits the tensor into `outer × width × inner`; each of the
/// `outer × inner` lines of `width` values (stride `inner`) is normalised on its own.
enum SoftmaxKernel {
    private static func lines(_ shape: [Int], axis: Int) -> (outer: Int, width: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Calls `body(first, stride)` for every line, in parallel over the outer blocks.
    private static func forEachLine(_ shape: [Int], axis: Int, _ body: (Int, Int) -> Void) {
        let (outer, width, inner) = lines(shape, axis: axis)
        Parallelism.forEach(outer) { block in
            for offset in 0..<inner { body(block * width * inner + offset, inner) }
        }
    }

    static func forward(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        var out = x
        let width = x.shape[axis]
        out.scalars.withUnsafeMutableBufferPointer { y in
            let y = y
            forEachLine(x.shape, axis: axis) { first, stride in
                let end = first + width * stride
                var largest = -Float.infinity
                for j in Swift.stride(from: first, to: end, by: stride) { largest = max(largest, y[j]) }
                var sum: Float = 0
                for j in Swift.stride(from: first, to: end, by: stride) { sum += Foundation.exp(y[j] - largest) }
                if log {
                    let shift = largest + Foundation.log(sum)
                    for j in Swift.stride(from: first, to: end, by: stride) { y[j] -= shift }
                } else {
                    for j in Swift.stride(from: first, to: end, by: stride) { y[j] = Foundation.exp(y[j] - largest) / sum }
                }
            }
        }
        return out
    }

    /// softmax: dx = y ⊙ (g − Σ g·y); log-softmax: dx = g − softmax(x) · Σ g.
    static func inputGradient(output: Tensor, outputGradient: Tensor, axis: Int, log: Bool) -> Tensor {
        var dx = outputGradient
        let width = output.shape[axis]
        output.scalars.withUnsafeBufferPointer { y in
            dx.scalars.withUnsafeMutableBufferPointer { g in
                let g = g
                forEachLine(output.shape, axis: axis) { first, stride in
                    let end = first + width * stride
                    var total: Float = 0
                    if log {
                        for j in Swift.stride(from: first, to: end, by: stride) { total += g[j] }
                        for j in Swift.stride(from: first, to: end, by: stride) { g[j] -= Foundation.exp(y[j]) * total }
                    } else {
                        for j in Swift.stride(from: first, to: end, by: stride) { total += g[j] * y[j] }
                        for j in Swift.stride(from: first, to: end, by: stride) { g[j] = y[j] * (g[j] - total) }
                    }
                }
            }
        }
        return dx
    }
}
