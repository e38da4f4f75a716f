import Foundation

/// The elementwise activations of Keras (plus softmax over the last axis), each with its derivative.
public enum ActivationFunction: String, CaseIterable, Sendable {
    case linear, relu, sigmoid, tanh, softmax

    /// The Keras spelling, with aliases Keras accepts (`softmax_v2`).
    public init?(kerasName: String) {
        switch kerasName {
        case "softmax_v2": self = .softmax
        default: self.init(rawValue: kerasName)
        }
    }

    public static var kerasNames: [String] { allCases.map(\.rawValue) }
}

/// An activation applied as its own node, whether it came from an `Activation` layer or from a
/// layer's fused `activation` option.
public final class ActivationOp: Op {
    public let function: ActivationFunction

    public init(_ function: ActivationFunction) { self.function = function }

    public var kind: String { function.rawValue }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        if function == .softmax, shape.count < 2 { throw VizError("softmax needs a batch and a class axis") }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        var out = inputs[0]
        let function = self.function
        if function == .linear { return out }
        out.scalars.withUnsafeMutableBufferPointer { y in
            if function == .softmax {
                Self.softmaxRows(y, width: inputs[0].shape.last!)
                return
            }
            Elementwise.forEachChunk(y.count) { range in
                switch function {
                case .relu: for i in range { y[i] = max(y[i], 0) }
                case .sigmoid: for i in range { y[i] = 1 / (1 + Foundation.exp(-y[i])) }
                case .tanh: for i in range { y[i] = Foundation.tanh(y[i]) }
                case .linear, .softmax: break
                }
            }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        var dx = outputGradient
        let function = self.function
        if function == .linear { return [dx] }
        inputs[0].scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeBufferPointer { y in
                dx.scalars.withUnsafeMutableBufferPointer { g in
                    switch function {
                    case .linear: break
                    // TensorFlow's relu gradient is 0 at 0.
                    case .relu: Elementwise.forEachChunk(g.count) { range in for i in range where !(x[i] > 0) { g[i] = 0 } }
                    case .sigmoid: Elementwise.forEachChunk(g.count) { range in for i in range { g[i] *= y[i] * (1 - y[i]) } }
                    case .tanh: Elementwise.forEachChunk(g.count) { range in for i in range { g[i] *= 1 - y[i] * y[i] } }
                    case .softmax:
                        let width = output.shape.last!
                        for row in stride(from: 0, to: g.count, by: width) {
                            var dot: Float = 0
                            for j in row..<(row + width) { dot += g[j] * y[j] }
                            for j in row..<(row + width) { g[j] = y[j] * (g[j] - dot) }
                        }
                    }
                }
            }
        }
        return [dx]
    }

    private static func softmaxRows(_ y: UnsafeMutableBufferPointer<Float>, width: Int) {
        for row in stride(from: 0, to: y.count, by: width) {
            var largest = -Float.infinity
            for j in row..<(row + width) { largest = max(largest, y[j]) }
            var sum: Float = 0
            for j in row..<(row + width) {
                y[j] = Foundation.exp(y[j] - largest)
                sum += y[j]
            }
            for j in row..<(row + width) { y[j] /= sum }
        }
    }
}
