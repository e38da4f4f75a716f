import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// The declared input: NCHW becomes (H, W, C), any batch runs (even through a Reshape exported with
/// batch 1, or one across the batch axis), and a symbolic height and width accept any size.
final class InputShapeTests: TemporaryFolderTestCase {
    func testABatchRunsThroughAGraphExportedForOne() throws {
        let reference = try ONNXReference("resnet18_dynamo")
        let model = try reference.load()
        XCTAssertEqual(model.inputShape, [32, 32, 3])
        let input = try reference.inputTensor()
        let batch = Tensor.concatenatingBatches([input, Tensor(shape: input.shape, scalars: input.scalars.map { -$0 }), input])
        let output = try model.requireLayer(model.outputLayers[0]).outputNode
        let single = try model.graph.evaluate([input], targets: [output])[output]!
        let together = try model.graph.evaluate([batch], targets: [output])[output]!
        XCTAssertEqual(together.shape, [3, 10])
        assertClose(together.batchItem(0), single, tolerance: 1e-6)
        assertClose(together.batchItem(2), single, tolerance: 1e-6)
    }

    /// ConvNeXt's dynamo export reshapes its pooled image across the batch axis (as_strided): each
    /// image of a batch still gives what it gives alone.
    func testABatchRunsThroughAReshapeAcrossTheBatchAxis() throws {
        let reference = try ONNXReference("convnext_dynamo")
        let model = try reference.load()
        let input = try reference.inputTensor()
        let other = Tensor(shape: input.shape, scalars: input.scalars.reversed())
        let output = try model.requireLayer(model.outputLayers[0]).outputNode
        let together = try model.graph.evaluate([Tensor.concatenatingBatches([input, other])], targets: [output])[output]!
        XCTAssertEqual(together.shape, [2, 10])
        for (index, image) in [input, other].enumerated() {
            assertClose(together.batchItem(index), try model.graph.evaluate([image], targets: [output])[output]!, tolerance: 1e-6)
        }
    }

    func testSymbolicHeightAndWidthAcceptAnySize() throws {
        let source = Fixtures.path("onnx/resnet18_ts/model.onnx")
        var proto = try Onnx_ModelProto(serializedBytes: Data(contentsOf: URL(fileURLWithPath: source)))
        for axis in [0, 2, 3] { proto.graph.input[0].type.tensorType.shape.dim[axis].dimParam = "size\(axis)" }
        let path = try write(try proto.serializedData())
        let model = try ONNXModelAssembly.model(try ONNXModelFile(path: path), loaderName: "onnx")
        XCTAssertEqual(model.inputShape, [-1, -1, 3])
        let layer4 = try model.requireLayer("layer4").outputNode
        let output = try model.requireLayer(model.outputLayers[0]).outputNode
        let large = try model.graph.evaluate([Tensor(shape: [1, 64, 48, 3], repeating: 0.5)], targets: [layer4, output])
        XCTAssertEqual(large[layer4]?.shape, [1, 2, 2, 32])
        XCTAssertEqual(large[output]?.shape, [1, 10])
        let reference = try ONNXReference("resnet18_ts")
        let original = try reference.load()
        let input = try reference.inputTensor()
        assertClose(
            try model.graph.evaluate([input], targets: [output])[output]!,
            try original.graph.evaluate([input], targets: [output])[output]!, tolerance: 1e-6)
    }
}
