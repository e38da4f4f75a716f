import Foundation
import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

enum TestModels {
    /// input (1,4,4,1) → used: conv (2 filters) → flatten → dense (3, softmax); unused: a second
    /// conv of the input that nothing reads.
    static func twoBranch() throws -> Model {
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: [-1, 4, 4, 1]))
        let kernel = Tensor(shape: [3, 3, 1, 2], scalars: (0..<18).map { Float($0 % 5) * 0.1 - 0.2 })
        let used = try graph.add("used", Conv2DOp(kernel: kernel, bias: [0.1, -0.1], padding: .same), inputs: [input])
        let unused = try graph.add("unused", Conv2DOp(kernel: kernel, bias: nil, padding: .same), inputs: [input])
        let flat = try graph.add("flatten", ReshapeOp.flatten(), inputs: [used])
        let dense = try graph.add(
            "dense/logits",
            DenseOp(
                kernel: Tensor(shape: [32, 3], scalars: (0..<96).map { Float($0 % 7) * 0.05 - 0.15 }),
                bias: [0, 0.1, -0.1]), inputs: [flat])
        let softmax = try graph.add("dense", ActivationOp(.softmax), inputs: [dense])
        let layers = [
            Model.Layer(name: "input", className: "InputLayer", outputNode: input, inputLayers: [], parameterCount: 0),
            Model.Layer(name: "used", className: "Conv2D", outputNode: used, inputLayers: ["input"], parameterCount: 20),
            Model.Layer(name: "unused", className: "Conv2D", outputNode: unused, inputLayers: ["input"], parameterCount: 18),
            Model.Layer(name: "flatten", className: "Flatten", outputNode: flat, inputLayers: ["used"], parameterCount: 0),
            Model.Layer(
                name: "dense", className: "Dense", outputNode: softmax, preActivationNode: dense,
                inputLayers: ["flatten"], parameterCount: 99),
        ]
        return Model(graph: graph, layers: layers, outputLayers: ["dense"], path: "two_branch.h5", loaderName: "test")
    }
}
