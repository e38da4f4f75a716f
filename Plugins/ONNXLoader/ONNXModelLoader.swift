import ONNX
import VizCore

/// Loads `.onnx` models, as PyTorch's exporters (`torch.onnx.export`, both the TorchScript and the
/// dynamo exporter) and other frameworks write them, with external data beside the file.
public final class ONNXModelLoader: ModelLoader {
    public static let name = "onnx"
    public static let fileExtensions = [".onnx"]
    public static let summary = "ONNX models (.onnx, with external data), as torch.onnx.export and other exporters write them"

    public init() {}

    public func load(_ spec: ModelSpec) throws -> Model {
        try ONNXModelAssembly.model(try ONNXModelFile(path: spec.path), loaderName: Self.name)
    }
}
