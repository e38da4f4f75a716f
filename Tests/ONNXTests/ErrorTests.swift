import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// Bad files: each a one-line error that says what and where.
final class ErrorTests: TemporaryFolderTestCase {
    private var fixture: Data { FileManager.default.contents(atPath: Fixtures.path("onnx/resnet18_ts/model.onnx"))! }

    func testZeroLengthFile() throws {
        let path = try write(Data())
        XCTAssertEqual(loadError(path), VizError("is empty (0 bytes), so it is not an ONNX model", at: path))
    }

    func testTruncatedFile() throws {
        let path = try write(fixture.prefix(fixture.count / 2))
        XCTAssertEqual(
            loadError(path),
            VizError(
                "is not an ONNX model: its protobuf is truncated (the file ends inside a field)",
                at: path))
    }

    func testRawDataShorterThanItsDims() throws {
        var model = try Onnx_ModelProto(serializedBytes: fixture)
        let index = model.graph.initializer.firstIndex { $0.hasRawData }!
        model.graph.initializer[index].rawData.removeLast(4)
        let tensor = model.graph.initializer[index]
        let path = try write(try model.serializedData())
        XCTAssertEqual(
            loadError(path),
            VizError(
                "initializer '\(tensor.name)' has \(tensor.rawData.count) bytes of raw data; "
                    + "its dims \(tensor.dims) of FLOAT need \(tensor.rawData.count + 4)", at: path))
    }

    func testDimsWhoseProductOverflows() throws {
        var model = try Onnx_ModelProto(serializedBytes: fixture)
        model.graph.initializer[0].dims = [1 << 40, 1 << 40]
        let path = try write(try model.serializedData())
        XCTAssertEqual(
            loadError(path)?.message,
            "initializer '\(model.graph.initializer[0].name)' has dims [1099511627776, 1099511627776], too many values for one tensor"
        )
    }

    func testEveryUnsupportedOperatorIsListedWithItsCountAndFirstNode() throws {
        var model = try Onnx_ModelProto(serializedBytes: fixture)
        let reluIndices = model.graph.node.indices.filter { model.graph.node[$0].opType == "Relu" }
        for index in reluIndices { model.graph.node[index].opType = "Mish" }
        model.graph.node[model.graph.node.firstIndex { $0.opType == "MaxPool" }!].opType = "QLinearConv"
        let path = try write(try model.serializedData())
        XCTAssertEqual(
            loadError(path),
            VizError(
                "uses operators vizrun cannot run: Mish ×\(reluIndices.count) (first '/relu/Relu'), "
                    + "QLinearConv ×1 (first '/maxpool/MaxPool': quantized graphs are not supported; "
                    + "export the float model)", at: path))
    }

    /// Every kind of missing operator in one message, in the order the graph first uses them: a
    /// standard one (named by its first node, or by its output when the node has no name), one of
    /// another domain (with the domain), control flow (with why); through the command, one line on
    /// stderr, exit status 1, nothing written.
    func testUnsupportedOperatorsOfEveryKindInOneLine() throws {
        var model = try Onnx_ModelProto(serializedBytes: fixture)
        let adds = model.graph.node.indices.filter { model.graph.node[$0].opType == "Add" }
        for index in adds.prefix(2) { model.graph.node[index].opType = "GridSample" }
        model.graph.node[adds[0]].name = ""
        let unnamedOutput = model.graph.node[adds[0]].output[0]
        let maxPool = model.graph.node.firstIndex { $0.opType == "MaxPool" }!
        model.graph.node[maxPool].opType = "FusedConv"
        model.graph.node[maxPool].domain = "com.microsoft"
        model.graph.node[maxPool].name = "fused"
        model.graph.node[model.graph.node.lastIndex { $0.opType == "Relu" }!].opType = "If"
        let path = try write(try model.serializedData())
        let message =
            "uses operators vizrun cannot run: com.microsoft.FusedConv ×1 (first 'fused'), GridSample ×2 "
            + "(first '\(unnamedOutput)'), If ×1 (first '/layer4/layer4.1/relu_1/Relu': control flow is not supported)"
        XCTAssertEqual(loadError(path), VizError(message, at: path))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let result = try VizrunCommand.run(["inspect", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "vizrun: \(path): error: \(message)\n")
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), before)
    }

    func testUndefinedInput() throws {
        var model = try Onnx_ModelProto(serializedBytes: fixture)
        model.graph.node[model.graph.node.firstIndex { $0.opType == "MaxPool" }!].input[0] = "nowhere"
        let path = try write(try model.serializedData())
        XCTAssertEqual(
            loadError(path),
            VizError(
                "node '/maxpool/MaxPool' (MaxPool) reads tensor 'nowhere', which no earlier node, "
                    + "initializer or graph input defines (the graph has a cycle, or is not in "
                    + "topological order)", at: path))
    }

    // MARK: - External data

    /// A copy of the dynamo fixture (model and data file) in the temporary folder.
    private func externalDataModel() throws -> (path: String, model: Onnx_ModelProto) {
        let source = Fixtures.path("onnx/resnet18_dynamo")
        for name in ["model.onnx", "model.onnx.data"] {
            try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: folder.appendingPathComponent(name).path)
        }
        let path = folder.appendingPathComponent("model.onnx").path
        return (path, try Onnx_ModelProto(serializedBytes: FileManager.default.contents(atPath: path)!))
    }

    private func relocating(_ model: Onnx_ModelProto, to location: String) throws -> (path: String, tensor: String) {
        var model = model
        let index = model.graph.initializer.firstIndex { $0.dataLocation == 1 }!
        let entry = model.graph.initializer[index].externalData.firstIndex { $0.key == "location" }!
        model.graph.initializer[index].externalData[entry].value = location
        return (try write(try model.serializedData(), "edited.onnx"), model.graph.initializer[index].name)
    }

    func testExternalDataIsRead() throws {
        let (path, proto) = try externalDataModel()
        XCTAssertTrue(proto.graph.initializer.contains { $0.dataLocation == 1 })
        XCTAssertNil(loadError(path))
    }

    func testExternalDataOutsideTheModelFolderIsRefused() throws {
        let (_, proto) = try externalDataModel()
        let outside = folder.deletingLastPathComponent().appendingPathComponent("vizrun-outside-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: folder.appendingPathComponent("model.onnx.data").path, toPath: outside.path)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link.data").path,
            withDestinationPath: outside.path)
        for location in ["../\(outside.lastPathComponent)", outside.path, "link.data"] {
            let (path, tensor) = try relocating(proto, to: location)
            XCTAssertEqual(
                loadError(path),
                VizError(
                    "initializer '\(tensor)' keeps its data in '\(location)', outside the model's "
                        + "folder; vizrun reads external data only from files inside the folder "
                        + "of the model", at: path))
        }
    }

    func testMissingAndShortExternalData() throws {
        let (_, proto) = try externalDataModel()
        var (path, tensor) = try relocating(proto, to: "absent.data")
        XCTAssertEqual(
            loadError(path),
            VizError(
                "initializer '\(tensor)' keeps its data in 'absent.data', which is missing from "
                    + "the model's folder (copy it beside the model)", at: path))
        _ = try write(Data(count: 16), "short.data")
        (path, tensor) = try relocating(proto, to: "short.data")
        XCTAssertTrue(loadError(path)?.message.hasPrefix("initializer '\(tensor)' needs bytes 0..<") ?? false)
        XCTAssertTrue(loadError(path)?.message.hasSuffix("of 'short.data', which has only 16") ?? false)
    }
}
