import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// A fixture of Scripts/make_onnx_fixtures.py: an exported model, an input, onnxruntime's output of
/// every node and PyTorch's input gradient (`Tests/Fixtures/onnx/<name>/reference.json`).
struct ONNXReference: Decodable {
    struct Node: Decodable {
        let name: String
        let op: String
        let output: String
        let file: String
    }

    let model: String
    let input: String
    /// PyTorch's input gradient; nil for a graph written without PyTorch.
    let gradient: String?
    let `class`: Int
    let exporter: String
    let opset: Int
    let nodes: [Node]
    private(set) var folder = ""

    private enum CodingKeys: String, CodingKey { case model, input, gradient, `class`, exporter, opset, nodes }

    init(_ name: String) throws {
        let path = Fixtures.path("onnx/\(name)/reference.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VizError("missing; run python3 Scripts/make_onnx_fixtures.py", at: path)
        }
        self = try JSONDecoder().decode(Self.self, from: data)
        folder = "onnx/\(name)"
    }

    var modelPath: String { Fixtures.path("\(folder)/\(model)") }

    func load() throws -> Model { try assemble().model }

    func assemble() throws -> (model: Model, builder: ONNXGraphBuilder) {
        try ONNXModelAssembly.assemble(try ONNXModelFile(path: modelPath), loaderName: "onnx")
    }

    /// The largest difference relative to the reference's largest magnitude.
    static func relativeDifference(_ actual: Tensor, _ expected: Tensor) -> Float {
        guard actual.shape == expected.shape else { return .infinity }
        let scale = max(expected.maxAbs, 1e-30)
        return zip(actual.scalars, expected.scalars).reduce(0) { max($0, abs($1.0 - $1.1) / scale) }
    }

    /// Checks every node's output against onnxruntime's (stored in ONNX's order: an image held
    /// channels-last is compared as such); returns the worst relative difference.
    @discardableResult
    func assertNodeOutputsMatch(
        _ model: Model, builder: ONNXGraphBuilder, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> Float {
        let layers = try nodes.map { try model.requireLayer($0.name) }
        for (node, layer) in zip(nodes, layers) {
            XCTAssertEqual(layer.className, node.op, "\(folder): \(node.name)", file: file, line: line)
            XCTAssertEqual(
                model.layer(named: node.output)?.outputNode, layer.outputNode,
                "\(folder): output tensor '\(node.output)' names node '\(node.name)'", file: file, line: line)
        }
        let outputs = try model.graph.evaluate([try Fixtures.tensor("\(folder)/\(input)")], targets: layers.map(\.outputNode))
        var worst: Float = 0
        for (node, layer) in zip(nodes, layers) {
            var expected = try Fixtures.tensor("\(folder)/\(node.file)")
            let actual = outputs[layer.outputNode]!
            if builder.layout(ofTensor: node.output) == .channelsLast { expected = expected.permuted([0, 2, 3, 1]) }
            assertClose(actual, expected, tolerance: 1e-4, "\(folder): node \(node.name)", file: file, line: line)
            worst = max(worst, Self.relativeDifference(actual, expected))
        }
        return worst
    }

    /// d output[class] / d input against PyTorch autograd's; returns the relative difference.
    @discardableResult
    func assertInputGradientMatches(_ model: Model, file: StaticString = #filePath, line: UInt = #line) throws -> Float {
        guard let gradientFile = gradient else { return 0 }
        let input = model.graph.inputNodes[0]
        let output = try model.requireLayer(model.outputLayers.last!).outputNode
        let trace = try model.graph.trace([try Fixtures.tensor("\(folder)/\(self.input)")], upTo: [output])
        var seed = Tensor(zeros: trace.value(output)!.shape)
        seed.scalars[`class`] = 1
        let computed = try trace.gradients(seeds: [output: seed], wrt: [input])[input]!
        let expected = try Fixtures.tensor("\(folder)/\(gradientFile)")
        assertClose(computed, expected, tolerance: 1e-4, "\(folder): input gradient", file: file, line: line)
        return Self.relativeDifference(computed, expected)
    }
}
