import VizCore
import XCTest

/// A layer named by PyTorch module path means that module's output, whichever exporter wrote the file.
final class ModuleNameTests: XCTestCase {
    private func node(_ model: Model, _ name: String) throws -> Int { try model.requireLayer(name).outputNode }

    func testResNetStagesNameTheirLastNode() throws {
        for (fixture, lastRelu) in [("resnet18_ts", "/layer4/layer4.1/relu_1/Relu"), ("resnet18_dynamo", "node_relu_16")] {
            let model = try ONNXReference(fixture).load()
            let relu = try node(model, lastRelu)
            for module in ["layer4", "layer4.1", "layer4.1.relu"] {
                XCTAssertEqual(try node(model, module), relu, "\(fixture): \(module)")
            }
            XCTAssertEqual(try model.requireLayer("layer4").name, "layer4", "results carry the name the config used")
            XCTAssertEqual(model.layer(named: "fc")?.outputNode, model.layer(named: model.outputLayers.last!)?.outputNode)
            XCTAssertEqual(
                try node(model, "layer3"),
                try node(model, fixture.hasSuffix("ts") ? "/layer3/layer3.1/relu_1/Relu" : "node_relu_12"))
        }
    }

    func testModulePathsOfNestedSequentials() throws {
        let legacy = try ONNXReference("mobilenetv2_ts").load()
        XCTAssertEqual(try node(legacy, "features.8"), try node(legacy, "/features/features.8/features.8.2/Clip"))
        XCTAssertEqual(
            try node(legacy, "features.1.conv.0.0"), try node(legacy, "/features/features.1/conv/conv.0/conv.0.0/Conv"))
        let dynamo = try ONNXReference("mobilenetv2_dynamo").load()
        XCTAssertEqual(try node(dynamo, "features.8"), try node(dynamo, "n4_15"))
        XCTAssertEqual(try node(dynamo, "classifier"), try node(dynamo, "node_linear"))
    }

    func testAnUnknownModuleSuggestsAName() throws {
        let model = try ONNXReference("resnet18_dynamo").load()
        XCTAssertThrowsError(try model.requireLayer("layer5")) { error in
            XCTAssertEqual((error as? VizError)?.message.hasSuffix("did you mean 'layer1'?"), true, "\(error)")
        }
    }
}
