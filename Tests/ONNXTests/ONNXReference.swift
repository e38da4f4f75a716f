import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// A fixture of Scripts/make_onnx_fixtures.py: an exported model, an input, onnxruntime's output of
/// every node and PyTorch's input gradient (`Tests/Fixtures/onnx/<name>/reference.json`).
struct ONNXReference: Decodable {
    /// A node and where its output lies: `shape` values from `offset` in the vector `file` (this
    /// fixture's outputs.npy, or the one of the fixture it shares outputs with).
    struct Node: Decodable {
        let name: String
        let op: String
        let output: String
        let shape: [Int]
        let file: String
        let offset: Int
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

    /// The input image, (1, H, W, C).
    func inputTensor() throws -> Tensor { try Fixtures.tensor("\(folder)/\(input)") }

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

    /// Checks every node's output (or those `asking` picks, the others left for the graph to fuse
    /// away) against onnxruntime's (stored in ONNX's order: an image held channels-last is compared
    /// as such, a value with its batch merged into its first axis with the batch axis apart); returns
    /// the worst relative difference.
    @discardableResult
    func assertNodeOutputsMatch(
        _ model: Model, builder: ONNXGraphBuilder, asking: (Node) -> Bool = { _ in true },
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Float {
        let nodes = nodes.filter(asking)
        let layers = try nodes.map { try model.requireLayer($0.name) }
        for (node, layer) in zip(nodes, layers) {
            XCTAssertEqual(layer.className, node.op, "\(folder): \(node.name)", file: file, line: line)
            XCTAssertEqual(
                model.layer(named: node.output)?.outputNode, layer.outputNode,
                "\(folder): output tensor '\(node.output)' names node '\(node.name)'", file: file, line: line)
        }
        let outputs = try model.graph.evaluate([try inputTensor()], targets: layers.map(\.outputNode))
        var vectors: [String: Tensor] = [:]
        var worst: Float = 0
        for (node, layer) in zip(nodes, layers) {
            let vector = try vectors[node.file] ?? Fixtures.tensor("\(folder)/\(node.file)")
            vectors[node.file] = vector
            let count = node.shape.reduce(1, *)
            var expected = Tensor(shape: node.shape, scalars: Array(vector.scalars[node.offset..<(node.offset + count)]))
            let actual = outputs[layer.outputNode]!
            switch builder.layout(ofTensor: node.output) {
            case .channelsLast?: expected = expected.permuted([0, 2, 3, 1])
            // Reshaped across the batch axis of a one-image export: the same values, the batch its own axis.
            case .batchMerged? where expected.count == actual.count: expected = expected.reshaped(actual.shape)
            default: break
            }
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
        let trace = try model.graph.trace([try inputTensor()], upTo: [output])
        var seed = Tensor(zeros: trace.value(output)!.shape)
        seed.scalars[`class`] = 1
        let computed = try trace.gradients(seeds: [output: seed], wrt: [input])[input]!
        let expected = try Fixtures.tensor("\(folder)/\(gradientFile)")
        assertClose(computed, expected, tolerance: 1e-4, "\(folder): input gradient", file: file, line: line)
        return Self.relativeDifference(computed, expected)
    }
}
