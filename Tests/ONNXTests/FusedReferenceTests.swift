import XCTest

@testable import VizCore

/// Exported ResNets with only the values outside their convolution chains asked for, so that every
/// `Conv → Relu` and `Conv → Add → Relu` runs as one oneDNN primitive (`Graph+Fusion`): the
/// values asked for still within 1e-4 of onnxruntime's.
final class FusedReferenceTests: XCTestCase {
    /// The stem, and per basic block (the fixture has eight) its first convolution with its ReLU and
    /// its second with the residual sum and the ReLU: 1 + 8 × 2.
    func testResNet18TorchScript() throws { try check("resnet18_ts", fusedChains: 17) }
    func testResNet18Dynamo() throws { try check("resnet18_dynamo", fusedChains: 17) }
    /// The stem, and each of the fixture's four bottlenecks' three convolutions: 1 + 4 × 3.
    func testResNet50TorchScript() throws { try check("resnet50_ts", fusedChains: 13) }

    private func check(_ fixture: String, fusedChains: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try ONNXReference(fixture)
        let (model, builder) = try reference.assemble()
        let outside = { (node: ONNXReference.Node) in node.op != "Conv" && node.op != "Add" }
        let asked = try reference.nodes.filter(outside).map { try model.requireLayer($0.name).outputNode }
        XCTAssertEqual(model.graph.plan(targets: asked).fused.count, fusedChains, file: file, line: line)
        let worst = try reference.assertNodeOutputsMatch(model, builder: builder, asking: outside, file: file, line: line)
        print("\(fixture), fused: worst relative difference \(worst)")
    }
}
