import Foundation
import VizCore
import XCTest

@testable import RawLoader

/// Every kind of broken model gives one VizError that names the tensor or layer and the file.
final class BadInputTests: XCTestCase {
    private var files: RawModelFiles!

    override func setUpWithError() throws { files = try RawModelFiles() }
    override func tearDown() { files = nil }

    private typealias Stored = RawModelFiles.StoredTensor

    private func assertError(
        _ error: VizError?, mentions parts: [String], at location: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error else { return }
        for part in parts {
            XCTAssertTrue(error.message.contains(part), "'\(part)' not in: \(error)", file: file, line: line)
        }
        XCTAssertTrue(error.location?.hasPrefix(location) ?? false, "location of: \(error)", file: file, line: line)
    }

    func testTheWellFormedModelLoads() throws {
        try files.write()
        let model = try files.load()
        XCTAssertEqual(model.computedLayers.map(\.name), ["conv1", "flat", "fc"])
        XCTAssertEqual(model.parameterCount, 3 * 2 * 9 + 3 + 48 * 2 + 2)
    }

    // MARK: - Tensors

    func testMissingTensorNamesTheLayerAndWeight() throws {
        try files.write(tensors: RawModelFiles.tensors.filter { $0.name != "conv1.bias" })
        assertError(files.loadError(), mentions: ["layer 'conv1'", "'bias'"], at: files.path("model.safetensors"))
    }

    func testTensorOfNoLayerIsNamed() throws {
        try files.write(tensors: RawModelFiles.tensors + [Stored(name: "conv9.weight", shape: [2])])
        assertError(files.loadError(), mentions: ["tensor 'conv9.weight'", "no layer"], at: files.path("model.safetensors"))
    }

    func testTensorTheLayerDoesNotTakeIsNamed() throws {
        try files.write(tensors: RawModelFiles.tensors + [Stored(name: "conv1.scale", shape: [3])])
        assertError(files.loadError(), mentions: ["layer 'conv1'", "conv1.scale"], at: files.path("model.safetensors"))
    }

    func testWrongShapeNamesBothShapesInTheFilesOrder() throws {
        var tensors = RawModelFiles.tensors
        tensors[0].shape = [3, 2, 5, 5]
        try files.write(tensors: tensors)
        assertError(
            files.loadError(), mentions: ["conv1.weight", "(3, 2, 5, 5)", "(3, 2, 3, 3)"],
            at: files.path("model.safetensors"))
        tensors = RawModelFiles.tensors
        tensors[2].shape = [2, 40]
        try files.write(tensors: tensors)
        assertError(files.loadError(), mentions: ["fc.weight", "(2, 40)", "(2, 48)"], at: files.path("model.safetensors"))
    }

    func testDenseOnAFourDValueIsRefusedInThePyTorchLayout() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "  - {name: flat, type: Flatten}\n",
                with: ""),
            tensors: [
                RawModelFiles.tensors[0], RawModelFiles.tensors[1],
                Stored(name: "fc.weight", shape: [2, 3]), Stored(name: "fc.bias", shape: [2]),
            ])
        assertError(files.loadError(), mentions: ["layer 'fc'", "4-D"], at: files.path("model.yaml") + ":6:")
    }

    func testDepthwiseWeightOfTheWrongSizeIsNamedInItsView() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "  - {name: flat",
                with: "  - {name: dw, type: DepthwiseConv2D, kernel_size: 3, depth_multiplier: 2, "
                    + "padding: same}\n  - {name: flat"),
            tensors: RawModelFiles.tensors.map { tensor in
                var tensor = tensor
                if tensor.name == "fc.weight" { tensor.shape = [2, 96] }
                return tensor
            } + [Stored(name: "dw.weight", shape: [6, 1, 2, 2]), Stored(name: "dw.bias", shape: [6])])
        assertError(
            files.loadError(), mentions: ["dw.weight seen as (C, M, H, W)", "(3, 2, 2, 2)", "(3, 2, 3, 3)"],
            at: files.path("model.safetensors"))
    }

    func testUnreadableDTypeIsNamed() throws {
        var tensors = RawModelFiles.tensors
        tensors[1] = Stored(name: "conv1.bias", dtype: "I32", shape: [3], bytes: [UInt8](repeating: 0, count: 12))
        try files.write(tensors: tensors)
        assertError(files.loadError(), mentions: ["conv1.bias", "I32"], at: files.path("model.safetensors"))
    }

    func testHeaderWithOverlappingOffsetsIsRefused() throws {
        try files.write()
        let header =
            #"{"conv1.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"#
            + #""conv1.bias":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}"#
        try RawModelFiles.safetensors(header: header, payload: [UInt8](repeating: 0, count: 20))
            .write(to: URL(fileURLWithPath: files.path("model.safetensors")))
        assertError(files.loadError(), mentions: ["conv1.bias", "offsets"], at: files.path("model.safetensors"))
    }

    func testOffsetsThatDisagreeWithTheShapeAreRefused() throws {
        try files.write()
        let header = #"{"conv1.bias":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}"#
        try RawModelFiles.safetensors(header: header, payload: [UInt8](repeating: 0, count: 12))
            .write(to: URL(fileURLWithPath: files.path("model.safetensors")))
        assertError(
            files.loadError(), mentions: ["conv1.bias", "needs 16 bytes", "span 12"],
            at: files.path("model.safetensors"))
    }

    func testTruncatedFileIsRefused() throws {
        try files.write()
        let data = try Data(contentsOf: URL(fileURLWithPath: files.path("model.safetensors")))
        try data.dropLast(10).write(to: URL(fileURLWithPath: files.path("model.safetensors")))
        assertError(files.loadError(), mentions: ["fc.bias", "truncated"], at: files.path("model.safetensors"))
    }

    func testHeaderLongerThanTheFileIsRefused() throws {
        try files.write()
        var data = Data(withUnsafeBytes(of: UInt64(5000).littleEndian) { Array($0) })
        data.append(contentsOf: Array("{}".utf8))
        try data.write(to: URL(fileURLWithPath: files.path("model.safetensors")))
        assertError(files.loadError(), mentions: ["header is 5000 bytes"], at: files.path("model.safetensors"))
    }

    func testRawFloat32FileShorterThanItsListIsRefused() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(of: "model.safetensors", with: "w.bin")
                + "\ntensors:\n  - {name: conv1.weight, shape: [3, 2, 3, 3]}\n  - {name: conv1.bias, shape: [3]}\n")
        try Data(count: 54 * 4).write(to: URL(fileURLWithPath: files.path("w.bin")))
        assertError(files.loadError(), mentions: ["conv1.bias", "too short"], at: files.path("w.bin"))
    }

    // MARK: - .npy

    private func npy(header: String, payload: [UInt8]) -> Data {
        var text = header
        text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)])
        data.append(contentsOf: Array(text.utf8))
        data.append(contentsOf: payload)
        return data
    }

    func testFortranOrderAndObjectArraysAreRefused() throws {
        try files.write()
        let folder = files.path("npy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for tensor in RawModelFiles.tensors {
            let shape = "(" + tensor.shape.map(String.init).joined(separator: ", ") + (tensor.shape.count == 1 ? ",)" : ")")
            let fortran = tensor.name == "conv1.weight" ? "True" : "False"
            try npy(
                header: "{'descr': '<f4', 'fortran_order': \(fortran), 'shape': \(shape), }",
                payload: RawModelFiles.float32Bytes([Float](repeating: 0.5, count: tensor.shape.reduce(1, *)))
            )
            .write(to: URL(fileURLWithPath: folder + "/\(tensor.name).npy"))
        }
        let spec = ModelSpec(path: folder, architecture: files.path("model.yaml"))
        XCTAssertThrowsError(try RawModelLoader().load(spec)) { error in
            XCTAssertTrue("\(error)".contains("conv1.weight.npy") && "\(error)".contains("Fortran"), "\(error)")
        }
        try npy(header: "{'descr': '|O', 'fortran_order': False, 'shape': (3, 2, 3, 3), }", payload: [])
            .write(to: URL(fileURLWithPath: folder + "/conv1.weight.npy"))
        XCTAssertThrowsError(try RawModelLoader().load(spec)) { error in
            XCTAssertTrue("\(error)".contains("conv1.weight.npy") && "\(error)".contains("object arrays"), "\(error)")
        }
    }

    // MARK: - Architecture

    func testCycleIsNamedWithLineAndColumn() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "padding: same}", with: "padding: same, inputs: [fc]}"))
        assertError(
            files.loadError(), mentions: ["depends on itself", "conv1 → fc → flat → conv1"],
            at: files.path("model.yaml") + ":5:")
    }

    func testUnknownInputIsNamedWithLineAndColumn() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "type: Flatten}", with: "type: Flatten, inputs: [conv2]}"))
        assertError(
            files.loadError(), mentions: ["layer 'flat'", "'conv2'", "did you mean 'conv1'?"],
            at: files.path("model.yaml") + ":6:")
    }

    func testBadLayerOptionPointsAtTheLayer() throws {
        try files.write(architecture: RawModelFiles.architecture.replacingOccurrences(of: "filters: 3", with: "filters: three"))
        assertError(files.loadError(), mentions: ["layer 'conv1'", "filters"], at: files.path("model.yaml") + ":5:")
    }

    func testWeightsNeedAnArchitecture() throws {
        try files.write()
        assertError(
            files.loadError(files.path("model.safetensors")), mentions: ["architecture"],
            at: files.path("model.safetensors"))
    }

    // MARK: - What loads

    func testWeightsMapRenamesLayersAndTensors() throws {
        let renamed = RawModelFiles.tensors.map { tensor in
            var tensor = tensor
            tensor.name = tensor.name.replacingOccurrences(of: "conv1.", with: "features.0.")
                .replacingOccurrences(of: "fc.weight", with: "head")
            return tensor
        }
        try files.write(
            architecture: RawModelFiles.architecture + "\nweights_map: {conv1: features.0, fc.weight: head}\n",
            tensors: renamed)
        XCTAssertEqual(try files.load().parameterCount, 3 * 2 * 9 + 3 + 48 * 2 + 2)
    }

    func testWeightsBesideTheArchitectureAreFound() throws {
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "weights: model.safetensors\n",
                with: ""))
        XCTAssertEqual(try files.load().computedLayers.count, 3)
    }

    func testHalfBFloatAndDoubleAreConverted() throws {
        let one5 = Float(1.5)
        let data = RawModelFiles.safetensors([
            Stored(name: "half", dtype: "F16", shape: [2], bytes: [0x00, 0x3E, 0x00, 0xBC]),
            Stored(name: "bfloat", dtype: "BF16", shape: [1], bytes: [0xC0, 0x3F]),
            Stored(
                name: "double", dtype: "F64", shape: [1],
                bytes: withUnsafeBytes(of: Double(one5).bitPattern.littleEndian) { Array($0) }),
        ])
        let file = try SafetensorsFile(data: data, path: "test.safetensors")
        XCTAssertEqual(try file.tensor(named: "half").scalars, [1.5, -1])
        XCTAssertEqual(try file.tensor(named: "bfloat").scalars, [1.5])
        XCTAssertEqual(try file.tensor(named: "double").scalars, [1.5])
    }
}

/// `vizrun` itself on a broken raw model: one line on stderr, exit status 1.
final class CommandExitTests: XCTestCase {
    func testBrokenWeightsExitNonZeroWithOneLine() throws {
        let files = try RawModelFiles()
        try files.write(tensors: RawModelFiles.tensors.filter { $0.name != "fc.weight" })
        // `swift build --build-tests` puts the command beside the test bundle.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("vizrun")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: executable.path), "build vizrun first")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["inspect", files.path("model.yaml")]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.contains("layer 'fc'") && stderr.contains("model.safetensors"), stderr)
    }
}

/// The other ways to name a raw model's files.
final class ArchitectureFormTests: XCTestCase {
    func testJSONArchitectureLoadsAndLocatesErrors() throws {
        let files = try RawModelFiles()
        try files.write()
        let json = """
            {"input_shape": [4, 4, 2], "layout": "pytorch", "weights": "model.safetensors",
             "layers": [{"name": "conv1", "type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same"},
                        {"name": "flat", "type": "Flatten"},
                        {"name": "fc", "type": "Dense", "units": 2}]}
            """
        try Data(json.utf8).write(to: URL(fileURLWithPath: files.path("model.json")))
        let fromJSON = try files.load(files.path("model.json"))
        let fromYAML = try files.load()
        let input = Tensor(shape: [1, 4, 4, 2], scalars: (0..<32).map { Float($0) * 0.1 - 1 })
        let fc = try fromJSON.requireLayer("fc").outputNode
        XCTAssertEqual(
            try fromJSON.graph.evaluate([input], targets: [fc])[fc],
            try fromYAML.graph.evaluate([input], targets: [fc])[fc])
        try Data(json.replacingOccurrences(of: "\"Flatten\"", with: "\"Flaten\"").utf8)
            .write(to: URL(fileURLWithPath: files.path("model.json")))
        let error = files.loadError(files.path("model.json"))
        XCTAssertEqual(error?.location, files.path("model.json") + ":3:13")
        XCTAssertTrue(error?.message.contains("did you mean 'Flatten'?") ?? false, "\(String(describing: error))")
    }

    func testWeightsPathWithArchitectureAsTheDesignSketchesIt() throws {
        let files = try RawModelFiles()
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "weights: model.safetensors\n",
                with: ""))
        let spec = ModelSpec(path: files.path("model.safetensors"), loader: "raw", architecture: files.path("model.yaml"))
        XCTAssertEqual(try RawModelLoader().load(spec).computedLayers.count, 3)
    }

    func testEmptyLayerListIsRefused() throws {
        let files = try RawModelFiles()
        try files.write(architecture: "input_shape: [4, 4, 2]\nlayers: []\n")
        XCTAssertTrue(files.loadError()?.message.hasPrefix("the model needs at least one layer") ?? false)
    }
}

/// Hand-written options that no layer mapping reads would be ignored silently; they are refused.
final class UnusedOptionTests: XCTestCase {
    func testMisspeltOptionIsRefusedWithASuggestion() throws {
        let files = try RawModelFiles()
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "padding: same}",
                with: "padding: same, stride: 2}"))
        let error = files.loadError()
        XCTAssertEqual(error?.location, files.path("model.yaml") + ":5:5")
        XCTAssertEqual(
            error?.message,
            "layer 'conv1' has option 'stride', which a Conv2D layer does not use; "
                + "did you mean 'strides'?")
    }

    func testOptionsKerasCarriesForTrainingAreAccepted() throws {
        let files = try RawModelFiles()
        try files.write(
            architecture: RawModelFiles.architecture.replacingOccurrences(
                of: "padding: same}", with: "padding: same, kernel_initializer: glorot_uniform, trainable: false}"))
        XCTAssertEqual(try files.load().computedLayers.count, 3)
    }
}
