import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import Filters

enum TestModels {
    /// input (1, size, size, 1) → conv `conv` (3×3 same, 2 filters) → relu, as one layer `conv`.
    /// Filter 0 has a zero kernel and a negative bias: after the relu it is 0 everywhere (dead).
    /// `inputShape` replaces the declared input shape (batch included).
    static func deadFilterModel(size: Int = 8, inputShape: [Int]? = nil) throws -> Model {
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: inputShape ?? [-1, size, size, 1]))
        var kernel = Tensor(zeros: [3, 3, 1, 2])
        for tap in 0..<9 { kernel.scalars[tap * 2 + 1] = Float(tap % 4) * 0.25 - 0.3 }
        let conv = try graph.add("conv_pre", Conv2DOp(kernel: kernel, bias: [-1, 0.05], padding: .same), inputs: [input])
        let relu = try graph.add("conv", ActivationOp(.relu), inputs: [conv])
        let flat = try graph.add("flatten", ReshapeOp.flatten(), inputs: [relu])
        return Model(
            graph: graph,
            layers: [
                Model.Layer(name: "input", className: "InputLayer", outputNode: input, inputLayers: [], parameterCount: 0),
                Model.Layer(
                    name: "conv", className: "Conv2D", outputNode: relu, preActivationNode: conv,
                    inputLayers: ["input"], parameterCount: 20),
                Model.Layer(
                    name: "flatten", className: "Flatten", outputNode: flat, inputLayers: ["conv"],
                    parameterCount: 0),
            ],
            outputLayers: ["flatten"], path: "dead.h5", loaderName: "test")
    }

    /// The error `configure` raises for these options.
    static func configureError(_ yaml: String, model: Model, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try FiltersVisualizer().configure(try runOptions(yaml), model: model)
            XCTFail("expected an error", file: file, line: line)
        } catch {
            return "\(error)"
        }
        return ""
    }
}

func difference(_ a: Tensor, _ b: Tensor) -> Tensor {
    Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { $0 - $1 })
}

/// A drawn image's parameter gradient of Σ weights · input, with weights uniform in −1…1 drawn
/// from `generator`, against central differences; the check's shared asserts made here.
func checkDrawnGradient(
    _ drawn: any DrawnImage, at parameters: Tensor, generator: inout SeededGenerator, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    let (rgb, _) = drawn.forward(parameters)
    let weights = Tensor(shape: rgb.shape, scalars: (0..<rgb.count).map { _ in generator.uniform(-1, 1) })
    let analytic = drawn.backward(rgb: rgb, inputGradient: weights)
    let numeric = numericGradients([parameters], epsilon: 1e-2) { weightedSum(drawn.forward($0[0]).input, weights) }
    let result = compareGradients(analytic: [analytic], numeric: numeric, inputs: [parameters])
    XCTAssertTrue(result.problems.isEmpty, result.problems.joined(separator: "; "), file: file, line: line)
    XCTAssertGreaterThan(result.scale, 0, file: file, line: line)
    XCTAssertLessThanOrEqual(result.relative, 2e-3, "\(label): \(result.summary)", file: file, line: line)
}

/// The input mapping under which a drawn image's input is its 0…1 picture itself (levels × 1/255).
func pictureInputMapping(channels: Int) -> InputMapping {
    InputMapping(
        scale: Array(repeating: 1 / 255, count: channels), offset: Array(repeating: 0, count: channels),
        source: Array(0..<channels))
}
