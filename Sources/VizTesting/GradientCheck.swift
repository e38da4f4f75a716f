import Foundation
import VizCore
import XCTest

/// How far an op's analytic input gradient is from central finite differences of the scalar
/// `L(x) = Σ w ⊙ op(x)`, for a fixed random `w`: the check every op of vizrun's, and every op of a
/// layer plugin, should pass (`checkGradients`).
public struct GradientDiscrepancy {
    /// max |analytic − numeric| over every element of every input.
    public var worst: Double = 0
    /// max |numeric| over every element of every input: what `worst` is measured against.
    public var scale: Double = 0
    public var input = 0, index = 0
    public var analytic = 0.0, numeric = 0.0
    /// Shape mismatches between the gradients and the inputs, described.
    public var problems: [String] = []

    public var relative: Double { worst / max(scale, 1e-12) }

    public var summary: String {
        "worst |analytic − numeric| = \(worst) at input \(input) flat index \(index) "
            + "(analytic \(analytic), numeric \(numeric)); scale \(scale), relative \(relative)"
    }
}

/// `Σ w ⊙ y` accumulated in Double.
public func weightedSum(_ y: Tensor, _ w: Tensor) -> Double {
    precondition(y.count == w.count)
    var sum = 0.0
    for index in 0..<y.count { sum += Double(y.scalars[index]) * Double(w.scalars[index]) }
    return sum
}

/// Central differences of `loss` with respect to every element of every input. The actual step is
/// taken from the perturbed Float values, so the rounding of `x ± ε` does not bias the quotient.
public func numericGradients(_ inputs: [Tensor], epsilon: Float, loss: ([Tensor]) -> Double) -> [[Double]] {
    var gradients: [[Double]] = []
    var perturbed = inputs
    for input in inputs.indices {
        var gradient = [Double](repeating: 0, count: inputs[input].count)
        for index in 0..<inputs[input].count {
            let original = inputs[input].scalars[index]
            let plus = original + epsilon
            let minus = original - epsilon
            perturbed[input].scalars[index] = plus
            let up = loss(perturbed)
            perturbed[input].scalars[index] = minus
            let down = loss(perturbed)
            perturbed[input].scalars[index] = original
            gradient[index] = (up - down) / (Double(plus) - Double(minus))
        }
        gradients.append(gradient)
    }
    return gradients
}

public func compareGradients(analytic: [Tensor], numeric: [[Double]], inputs: [Tensor]) -> GradientDiscrepancy {
    var result = GradientDiscrepancy()
    guard analytic.count == inputs.count else {
        result.problems.append("\(analytic.count) gradients for \(inputs.count) inputs")
        return result
    }
    for input in inputs.indices where analytic[input].shape != inputs[input].shape {
        result.problems.append("gradient \(input) has shape \(analytic[input].shape), its input \(inputs[input].shape)")
    }
    guard result.problems.isEmpty else { return result }
    for input in inputs.indices {
        for index in 0..<inputs[input].count {
            let exact = numeric[input][index]
            let got = Double(analytic[input].scalars[index])
            result.scale = max(result.scale, abs(exact))
            let difference = abs(got - exact)
            if !(difference <= result.worst) { // also catches NaN
                (result.worst, result.input, result.index, result.analytic, result.numeric) = (
                    difference.isNaN ? .infinity : difference, input, index, got, exact
                )
            }
        }
    }
    return result
}

/// The discrepancy for `op` at `inputs`, with `w` drawn from `seed`. The values the op says its
/// gradient does not read (`Op.gradientReads`) are NaN, so that reading one fails the check.
public func gradientDiscrepancy(_ op: Op, _ inputs: [Tensor], epsilon: Float = 1e-2, seed: UInt64 = 0x5EED) -> GradientDiscrepancy
{
    let output = op.forward(inputs)
    var random = SeededGenerator(seed: seed)
    let w = Tensor(shape: output.shape, scalars: (0..<output.count).map { _ in random.uniform(-1, 1) })
    let reads = op.gradientReads
    let unread = { (value: Tensor) in Tensor(shape: value.shape, repeating: .nan) }
    let analytic = op.inputGradients(
        inputs.enumerated().map { reads.readsInput($0.offset) ? $0.element : unread($0.element) },
        output: reads.readsOutput ? output : unread(output), outputGradient: w)
    let numeric = numericGradients(inputs, epsilon: epsilon) { weightedSum(op.forward($0), w) }
    return compareGradients(analytic: analytic, numeric: numeric, inputs: inputs)
}

/// Fails unless `op.inputGradients` agrees with finite differences to `tolerance` × the largest
/// numeric gradient element.
public func checkGradients(
    _ op: Op, _ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Double = 2e-3,
    seed: UInt64 = 0x5EED, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    let result = gradientDiscrepancy(op, inputs, epsilon: epsilon, seed: seed)
    guard result.problems.isEmpty else {
        XCTFail("\(op.kind): \(result.problems.joined(separator: "; ")) \(message())", file: file, line: line)
        return
    }
    XCTAssertGreaterThan(
        result.scale, 0, "\(op.kind): the loss does not depend on the inputs, nothing was checked \(message())",
        file: file, line: line)
    if !(result.relative <= tolerance) {
        XCTFail("\(op.kind) gradient: \(result.summary) exceeds \(tolerance) \(message())", file: file, line: line)
    }
    if ProcessInfo.processInfo.environment["VIZ_GRADIENT_REPORT"] != nil {
        print("gradient \(op.kind) \(message()): relative \(result.relative)")
    }
}
