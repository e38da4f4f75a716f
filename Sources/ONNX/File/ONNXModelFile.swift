import Foundation
import SwiftProtobuf
import VizCore

/// An `.onnx` file, decoded: its graph, the opsets it imports, and where its external data lies.
public struct ONNXModelFile {
    /// The path as given, for messages.
    public let path: String
    let model: Onnx_ModelProto
    /// Opset version by domain; the default domain is `""` (files may also spell it `ai.onnx`).
    public let opsets: [String: Int]

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw VizError("cannot be read: no such file, or no permission to read it", at: path)
        }
        guard size > 0 else { throw VizError("is empty (0 bytes), so it is not an ONNX model", at: path) }
        let bytes: Data
        do { bytes = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw VizError("cannot be read: \(error.localizedDescription)", at: path)
        }
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch let error as BinaryDecodingError {
            throw VizError("is not an ONNX model: its protobuf \(Self.describe(error))", at: path)
        } catch {
            throw VizError("is not an ONNX model: \(error)", at: path)
        }
        guard model.hasGraph, !model.graph.node.isEmpty || !model.graph.output.isEmpty else {
            throw VizError("is not an ONNX model: it holds no graph", at: path)
        }
        var opsets: [String: Int] = [:]
        for entry in model.opsetImport {
            opsets[entry.domain == "ai.onnx" ? "" : entry.domain] = Int(clamping: entry.version)
        }
        guard let version = opsets[""] else {
            throw VizError("imports no opset of the default ONNX domain, so its operators have no definite meaning", at: path)
        }
        guard version >= 7 else {
            throw VizError(
                "imports ONNX opset \(version); vizrun reads opset 7 and later (re-export with a newer exporter)",
                at: path)
        }
        self.opsets = opsets
    }

    /// The version of the default ONNX domain, which gives every standard operator its meaning.
    public var opset: Int { opsets[""]! }

    /// The folder external data locations are relative to.
    var folder: URL { URL(fileURLWithPath: path).deletingLastPathComponent() }

    /// Who wrote the file and for which opset, for `vizrun inspect`.
    public var metadata: [String: String] {
        var facts = ["opset": String(opset), "ir_version": String(model.irVersion)]
        if !model.producerName.isEmpty {
            facts["producer"] = ([model.producerName, model.producerVersion].filter { !$0.isEmpty }).joined(separator: " ")
        }
        return facts
    }

    private static func describe(_ error: BinaryDecodingError) -> String {
        switch error {
        case .truncated: return "is truncated (the file ends inside a field)"
        case .malformedProtobuf: return "is malformed (a field has the wrong type or an impossible length)"
        case .invalidUTF8: return "has a name that is not valid UTF-8"
        case .messageDepthLimit: return "nests messages deeper than 100 levels"
        default: return "cannot be decoded (\(error))"
        }
    }
}
