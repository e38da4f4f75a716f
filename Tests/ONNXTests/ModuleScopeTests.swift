import XCTest

@testable import ONNX

/// PyTorch module paths from both exporters' node names and metadata.
final class ModuleScopeTests: XCTestCase {
    private func node(_ name: String, scopes: String? = nil) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.name = name
        if let scopes {
            var entry = Onnx_StringStringEntryProto()
            entry.key = ModuleScopes.metadataKey
            entry.value = scopes
            node.metadataProps = [entry]
        }
        return node
    }

    func testLegacyNamesAbbreviateTheScopeChain() {
        var scopes = ModuleScopes()
        XCTAssertEqual(
            scopes.chain(of: node("/features/features.1/block/block.0/block.0.0/Conv")),
            ["features", "features.1", "features.1.block", "features.1.block.0", "features.1.block.0.0"])
        XCTAssertEqual(scopes.chain(of: node("/Flatten")), [])
        XCTAssertEqual(scopes.chain(of: node("Identity_3")), [])
    }

    func testLegacySuffixMarksARepeatedCallOnlyAfterTheFirst() {
        var scopes = ModuleScopes()
        XCTAssertEqual(scopes.chain(of: node("/layer4/layer4.1/dense6_2/Relu")), ["layer4", "layer4.1", "layer4.1.dense6_2"])
        XCTAssertEqual(scopes.chain(of: node("/layer4/layer4.1/relu/Relu")), ["layer4", "layer4.1", "layer4.1.relu"])
        XCTAssertEqual(scopes.chain(of: node("/layer4/layer4.1/relu_1/Relu")), ["layer4", "layer4.1", "layer4.1.relu"])
    }

    func testDynamoMetadataListsTheModules() {
        var scopes = ModuleScopes()
        XCTAssertEqual(
            scopes.chain(of: node("node_relu_16", scopes: "['', 'layer4', 'layer4.1', 'layer4.1.relu', 'relu_16']")),
            ["layer4", "layer4.1", "layer4.1.relu"])
        XCTAssertEqual(scopes.chain(of: node("node_view", scopes: "['', 'view']")), [])
        XCTAssertEqual(ModuleScopes.pythonStrings(#"['a', "it's", 'b\'c']"#), ["a", "it's", "b'c"])
    }
}
