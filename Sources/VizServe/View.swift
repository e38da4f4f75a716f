import VizCore

/// Something the user looked at, as the run of a config that draws it: the server computes it by
/// configuring the visualizer with exactly these options, and "save as config" writes the same
/// options into a run, so `vizrun CONFIG` reproduces what the page showed.
enum View: Hashable, Sendable {
    /// A layer's activation grid and the channels drawn alone.
    case activations(layer: String, channels: [Int])
    /// A class-activation map (`gradcam`) or an input attribution (`saliency`) of one class;
    /// `layer` only for the CAM methods, nil for their default layer.
    case attribution(method: String, layer: String?, classIndex: Int)
    /// One channel's filter pattern.
    case filter(layer: String, channel: Int)

    /// The CAM methods the `gradcam` visualizer computes, and the attribution methods of `saliency`.
    static let camMethods = [
        "gradcam", "gradcam++", "xgradcam", "layercam", "hirescam", "eigencam", "eigengradcam", "scorecam", "ablationcam",
        "guided_gradcam",
    ]
    static let saliencyMethods = ["vanilla", "smoothgrad", "integrated_gradients", "guided_backprop", "occlusion", "rise"]

    var visualizer: String {
        switch self {
        case .activations: "activations"
        case .attribution(let method, _, _): View.camMethods.contains(method) ? "gradcam" : "saliency"
        case .filter: "filters"
        }
    }

    /// The run's options as one YAML flow mapping, without `visualizer` and `name`.
    var options: String {
        switch self {
        case .activations(let layer, let channels):
            return "{layers: [\(Self.quoted(layer))], channels: [\(channels.map(String.init).joined(separator: ", "))]}"
        case .attribution(let method, let layer, let classIndex):
            let layerOption = layer.map { ", layer: \(Self.quoted($0))" } ?? ""
            return "{method: \(Self.quoted(method))\(layerOption), class: \(classIndex)}"
        case .filter(let layer, let channel):
            return "{layer: \(Self.quoted(layer)), filters: [\(channel)]}"
        }
    }

    /// A YAML double-quoted scalar: any layer name (quotes, backslashes, `: `, `#`) stays one string.
    static func quoted(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += String(format: "\\x%02X", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
