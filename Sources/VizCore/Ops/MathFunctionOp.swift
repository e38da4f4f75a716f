import Foundation

/// Elementwise functions that are not activations (ONNX `Sqrt`, `Log`, `Abs`, `Reciprocal`, `Erf`,
/// and `Pow` by a constant exponent), each with its derivative. Exported graphs compose GELU from
/// `Erf` and normalisations from `Pow` and `Sqrt`.
///
/// Where the derivative is undefined it is PyTorch's: |x|′(0) = 0, and a power of exponent 0 has
/// derivative 0 everywhere.
public final class MathFunctionOp: Op {
    public enum Function: Equatable, Sendable {
        case sqrt, log, abs, reciprocal, erf
        case power(Float)
    }

    public let function: Function

    public init(_ function: Function) { self.function = function }

    public var kind: String {
        switch function {
        case .sqrt: return "Sqrt"
        case .log: return "Log"
        case .abs: return "Abs"
        case .reciprocal: return "Reciprocal"
        case .erf: return "Erf"
        case .power: return "Pow"
        }
    }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        try ShapeCheck.single(inputShapes, kind)
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let function = self.function
        return Tensor(shape: x.shape, layout: x.layout) { y in
            x.scalars.withUnsafeBufferPointer { x in
                Elementwise.forEachChunk(y.count) { range in
                    for i in range { y[i] = Self.value(function, x[i]) }
                }
            }
        }
    }

    public var gradientReads: GradientReads { .everything }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let function = self.function
        let dx = Tensor(shape: outputGradient.shape, layout: outputGradient.layout) { dx in
            inputs[0].scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeBufferPointer { y in
                    outputGradient.scalars.withUnsafeBufferPointer { g in
                        Elementwise.forEachChunk(dx.count) { range in
                            for i in range { dx[i] = g[i] * Self.derivative(function, x[i], y[i]) }
                        }
                    }
                }
            }
        }
        return [dx]
    }

    // MARK: - Formulas

    @inline(__always) static func value(_ function: Function, _ x: Float) -> Float {
        switch function {
        case .sqrt: return x.squareRoot()
        case .log: return Foundation.log(x)
        case .abs: return Swift.abs(x)
        case .reciprocal: return 1 / x
        case .erf: return Foundation.erf(x)
        case .power(let exponent): return Foundation.pow(x, exponent)
        }
    }

    /// dy/dx at input `x` with output `y`.
    @inline(__always) static func derivative(_ function: Function, _ x: Float, _ y: Float) -> Float {
        switch function {
        case .sqrt: return 0.5 / y
        case .log: return 1 / x
        case .abs: return x > 0 ? 1 : x < 0 ? -1 : 0
        case .reciprocal: return -y * y
        case .erf: return 1.1283791670955126 * Foundation.exp(-x * x) // 2/√π · e^(−x²)
        case .power(let exponent): return exponent == 0 ? 0 : exponent * Foundation.pow(x, exponent - 1)
        }
    }
}
