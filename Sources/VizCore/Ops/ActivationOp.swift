import Foundation

/// The built-in activations of Keras 2 and 3, each with its derivative. Softmax and log-softmax
/// act over the last axis; every other one is elementwise. (Keras 3's `glu` and `sparsemax`, which
/// act on whole rows, and `threshold`, which needs arguments, are not among them.)
public enum ActivationFunction: String, CaseIterable, Sendable {
    case linear, relu, relu6, sigmoid, tanh, elu, selu, softplus, softsign, silu, mish, exponential
    /// Keras 3 additions, with their default parameters (celu α = 1, shrink thresholds 0.5, squareplus b = 4).
    case celu, squareplus
    case hardShrink = "hard_shrink"
    case softShrink = "soft_shrink"
    case hardTanh = "hard_tanh"
    case tanhShrink = "tanh_shrink"
    case logSigmoid = "log_sigmoid"
    case sparsePlus = "sparse_plus"
    case sparseSigmoid = "sparse_sigmoid"
    case softmax
    case logSoftmax = "log_softmax"
    /// The activation string's slope, 0.2 (the `LeakyReLU` layer has its own default).
    case leakyRelu = "leaky_relu"
    /// Exact: 0.5x(1 + erf(x/√2)), Keras's default.
    case gelu
    /// `approximate=True`: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
    case geluTanh = "gelu_tanh"
    /// Keras 1 and 2: clip(0.2x + 0.5, 0, 1).
    case hardSigmoidKeras2 = "hard_sigmoid_keras2"
    /// Keras 3: relu6(x + 3) / 6.
    case hardSigmoid = "hard_sigmoid"
    /// x · relu6(x + 3) / 6 (Keras 3's `hard_silu`, alias `hard_swish`).
    case hardSilu = "hard_silu"

    /// The Keras spelling, with the aliases Keras accepts; `hard_sigmoid` means a different
    /// formula before Keras 3, so the caller says which Keras wrote the name.
    public init?(kerasName: String, hardSigmoid: HardSigmoidForm) {
        switch kerasName {
        case "softmax_v2": self = .softmax
        case "swish": self = .silu
        case "hard_swish": self = .hardSilu
        case "hard_sigmoid": self = hardSigmoid == .keras2 ? .hardSigmoidKeras2 : .hardSigmoid
        case ActivationFunction.hardSigmoidKeras2.rawValue, ActivationFunction.geluTanh.rawValue: return nil
        default: self.init(rawValue: kerasName)
        }
    }

    /// Every name `init(kerasName:hardSigmoid:)` accepts, for messages.
    public static var kerasNames: [String] {
        allCases.filter { $0 != .hardSigmoidKeras2 && $0 != .geluTanh }.map(\.rawValue)
            + ["softmax_v2", "swish", "hard_swish"]
    }

    /// The two meanings of `hard_sigmoid` across Keras versions.
    public enum HardSigmoidForm: Sendable {
        /// Keras 1 and 2 (and tf.keras): clip(0.2x + 0.5, 0, 1).
        case keras2
        /// Keras 3: relu6(x + 3) / 6.
        case keras3

        /// The form of the Keras that wrote a file, from its `keras_version` ("2.15.0", "3.15.1", "1").
        public init(kerasVersion: String) {
            let major = Int(kerasVersion.prefix { $0.isNumber }) ?? 2
            self = major >= 3 ? .keras3 : .keras2
        }
    }
}

/// An activation applied as its own node, whether it came from an `Activation` layer or from a
/// layer's fused `activation` option.
public final class ActivationOp: RectifierOp {
    public let function: ActivationFunction

    public init(_ function: ActivationFunction) { self.function = function }

    public var rectifies: Bool { function == .relu || function == .relu6 }

    public var kind: String { function.rawValue }

    var actsOnRows: Bool { function == .softmax || function == .logSoftmax }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let shape = try ShapeCheck.single(inputShapes, kind)
        if actsOnRows, shape.count < 2 { throw VizError("\(kind) needs a batch and a class axis") }
        return shape
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let function = self.function
        if function == .linear { return inputs[0] }
        if actsOnRows {
            return SoftmaxKernel.forward(inputs[0], axis: inputs[0].rank - 1, log: function == .logSoftmax)
        }
        let x = inputs[0]
        // Written straight into a fresh buffer: mapping a copy in place would pass over memory twice.
        return Tensor(shape: x.shape, layout: x.layout) { y in
            x.scalars.withUnsafeBufferPointer { x in
                Elementwise.forEachChunk(y.count) { range in
                    switch function {
                    case .relu: for i in range { y[i] = max(x[i], 0) }
                    default: for i in range { y[i] = Self.value(function, x[i]) }
                    }
                }
            }
        }
    }

    public var gradientReads: GradientReads {
        switch function {
        case .linear: return .nothing
        case .relu, .softmax, .logSoftmax: return .output
        default: return .everything
        }
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let function = self.function
        if function == .linear { return [outputGradient] }
        if actsOnRows {
            return [
                SoftmaxKernel.inputGradient(
                    output: output, outputGradient: outputGradient,
                    axis: output.rank - 1, log: function == .logSoftmax)
            ]
        }
        let dx = Tensor(shape: outputGradient.shape, layout: outputGradient.layout) { dx in
            inputs[0].scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeBufferPointer { y in
                    outputGradient.scalars.withUnsafeBufferPointer { g in
                        Elementwise.forEachChunk(dx.count) { range in
                            switch function {
                            // TensorFlow's relu gradient is 0 at 0; y > 0 exactly where x > 0.
                            case .relu: for i in range { dx[i] = y[i] > 0 ? g[i] : 0 }
                            default: for i in range { dx[i] = g[i] * Self.derivative(function, x[i], y[i]) }
                            }
                        }
                    }
                }
            }
        }
        return [dx]
    }

    // MARK: - Formulas

    private static let seluScale: Float = 1.0507009873554805
    private static let seluAlpha: Float = 1.6732632423543772
    private static let sqrtHalf: Float = 0.7071067811865476
    private static let sqrt2OverPi: Float = 0.7978845608028654
    private static let geluCubic: Float = 0.044715

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// log(1 + eˣ) without overflow for large x.
    @inline(__always) static func softplus(_ x: Float) -> Float {
        x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
    }

    @inline(__always) static func value(_ function: ActivationFunction, _ x: Float) -> Float {
        switch function {
        case .linear, .softmax, .logSoftmax: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .leakyRelu: return x > 0 ? x : 0.2 * x
        case .sigmoid: return sigmoid(x)
        case .tanh: return Foundation.tanh(x)
        case .elu: return x > 0 ? x : Foundation.expm1(x)
        case .selu: return seluScale * (x > 0 ? x : seluAlpha * Foundation.expm1(x))
        case .softplus: return softplus(x)
        case .softsign: return x / (1 + abs(x))
        case .silu: return x * sigmoid(x)
        case .mish: return x * Foundation.tanh(softplus(x))
        case .exponential: return Foundation.exp(x)
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x * sqrtHalf))
        case .geluTanh: return 0.5 * x * (1 + Foundation.tanh(sqrt2OverPi * (x + geluCubic * x * x * x)))
        case .hardSigmoidKeras2: return min(max(0.2 * x + 0.5, 0), 1)
        case .hardSigmoid: return min(max(x + 3, 0), 6) / 6
        case .hardSilu: return x * min(max(x + 3, 0), 6) / 6
        case .celu: return max(x, 0) + Foundation.expm1(min(x, 0))
        case .squareplus: return (x + (x * x + 4).squareRoot()) / 2
        case .hardShrink: return abs(x) > 0.5 ? x : 0
        case .softShrink: return x > 0.5 ? x - 0.5 : x < -0.5 ? x + 0.5 : 0
        case .hardTanh: return min(max(x, -1), 1)
        case .tanhShrink: return x - Foundation.tanh(x)
        case .logSigmoid: return -softplus(-x)
        case .sparsePlus: return x <= -1 ? 0 : x < 1 ? (x + 1) * (x + 1) / 4 : x
        case .sparseSigmoid: return x <= -1 ? 0 : x >= 1 ? 1 : 0.5 * (x + 1)
        }
    }

    /// dy/dx at input `x` with output `y`. At kinks it follows TensorFlow's gradients: relu′(0) = 0,
    /// relu6′ = 0 at 0 and 6 (so also hard_sigmoid's relu6 form at ±3), leaky_relu′(0) = slope,
    /// elu′(0) = 1, selu′(0) = scale, a clip passes the gradient at its bounds, and celu′(0) = 2
    /// (TensorFlow's `maximum` and `minimum` both pass it at a tie).
    @inline(__always) static func derivative(_ function: ActivationFunction, _ x: Float, _ y: Float) -> Float {
        switch function {
        case .linear, .softmax, .logSoftmax: return 1
        case .relu: return x > 0 ? 1 : 0
        case .relu6: return x > 0 && x < 6 ? 1 : 0
        case .leakyRelu: return x > 0 ? 1 : 0.2
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .elu: return x < 0 ? y + 1 : 1
        case .selu: return x < 0 ? y + seluScale * seluAlpha : seluScale
        case .softplus: return sigmoid(x)
        case .softsign:
            let d = 1 + abs(x)
            return 1 / (d * d)
        case .silu:
            let s = sigmoid(x)
            return s * (1 + x * (1 - s))
        case .mish:
            let t = Foundation.tanh(softplus(x))
            return t + x * (1 - t * t) * sigmoid(x)
        case .exponential: return y
        case .gelu:
            let density = Foundation.exp(-0.5 * x * x) * 0.3989422804014327
            return 0.5 * (1 + Foundation.erf(x * sqrtHalf)) + x * density
        case .geluTanh:
            let t = Foundation.tanh(sqrt2OverPi * (x + geluCubic * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrt2OverPi * (1 + 3 * geluCubic * x * x)
        case .hardSigmoidKeras2: return x >= -2.5 && x <= 2.5 ? 0.2 : 0
        case .hardSigmoid: return x > -3 && x < 3 ? 1.0 / 6 : 0
        case .hardSilu: return min(max(x + 3, 0), 6) / 6 + (x > -3 && x < 3 ? x / 6 : 0)
        case .celu: return (x >= 0 ? 1 : 0) + (x <= 0 ? Foundation.exp(x) : 0)
        case .squareplus: return (1 + x / (x * x + 4).squareRoot()) / 2
        case .hardShrink: return abs(x) > 0.5 ? 1 : 0
        case .softShrink: return x > 0.5 || x < -0.5 ? 1 : 0
        case .hardTanh: return x >= -1 && x <= 1 ? 1 : 0
        case .tanhShrink: return Foundation.tanh(x) * Foundation.tanh(x)
        case .logSigmoid: return sigmoid(-x)
        case .sparsePlus: return x <= -1 ? 0 : x < 1 ? (x + 1) / 2 : 1
        case .sparseSigmoid: return x <= -1 || x >= 1 ? 0 : 0.5
        }
    }
}
