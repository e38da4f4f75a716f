import Foundation
import VizCore
import XCTest

/// Fails unless `actual` has `expected`'s shape and every element is within
/// `tolerance × max|expected|` of it (with a floor of `tolerance` for all-zero references).
/// Tensors are compared in the standard layout, whatever layout either is stored in.
public func assertClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-4, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    let (actual, expected) = (actual.standardized(), expected.standardized())
    guard actual.shape == expected.shape else {
        XCTFail("shape \(actual.shape) != expected \(expected.shape) \(message)", file: file, line: line)
        return
    }
    let scale = expected.maxAbs > 0 ? expected.maxAbs : 1
    var worst: Float = 0
    var worstIndex = 0
    for index in 0..<actual.count {
        let difference = abs(actual.scalars[index] - expected.scalars[index])
        if !(difference <= worst) {
            worst = difference
            worstIndex = index
        }
    }
    if !(worst <= tolerance * scale) {
        XCTFail(
            "largest difference \(worst) at flat index \(worstIndex) (got \(actual.scalars[worstIndex]), "
                + "expected \(expected.scalars[worstIndex])) exceeds \(tolerance) × \(scale) \(message)",
            file: file, line: line)
    }
}

/// The largest difference relative to the reference's largest magnitude, and the correlation.
public func compare(_ actual: Tensor, _ expected: Tensor) -> (relative: Float, correlation: Double) {
    precondition(actual.shape == expected.shape, "\(actual.shape) != \(expected.shape)")
    var worst: Float = 0
    var (sa, sb, saa, sbb, sab) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for (a, b) in zip(actual.scalars, expected.scalars) {
        worst = max(worst, abs(a - b))
        let (x, y) = (Double(a), Double(b))
        sa += x
        sb += y
        saa += x * x
        sbb += y * y
        sab += x * y
    }
    let n = Double(actual.count)
    let covariance = sab / n - sa / n * sb / n
    let correlation = covariance / ((saa / n - sa / n * sa / n).squareRoot() * (sbb / n - sb / n * sb / n).squareRoot())
    return (worst / max(expected.maxAbs, .leastNormalMagnitude), correlation)
}

/// Committed test fixtures, under `Tests/Fixtures` of the vizrun checkout.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures")

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    public static func tensor(_ relative: String) throws -> Tensor {
        try Tensor(npyFileAt: path(relative))
    }

    /// The Keras file of the golden fixture `models/<name>` (see Scripts/make_fixtures.py), read by `loader`.
    public static func model(_ name: String, loader: ModelLoader) throws -> Model {
        try loader.load(ModelSpec(path: path("models/\(name)/model.h5")))
    }
}
