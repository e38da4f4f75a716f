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
