import Foundation
import VizCore
import VizRunner

/// What a tab has looked at, to be saved as a config: the page keeps the list, so two tabs save
/// their own views.
struct ConfigRequest: Decodable {
    struct Activations: Decodable {
        let layer: String
        var channels: [Int] = []
    }

    struct Attribution: Decodable {
        let method: String
        let layer: String?
        let classIndex: Int

        enum CodingKeys: String, CodingKey {
            case method, layer
            case classIndex = "class"
        }
    }

    struct Filter: Decodable {
        let layer: String
        let channel: Int
    }

    var inputs: [String]
    var activations: [Activations] = []
    var attributions: [Attribution] = []
    var filters: [Filter] = []

    init(inputs: [String]) { self.inputs = inputs }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try container.decode([String].self, forKey: .inputs)
        activations = try container.decodeIfPresent([Activations].self, forKey: .activations) ?? []
        attributions = try container.decodeIfPresent([Attribution].self, forKey: .attributions) ?? []
        filters = try container.decodeIfPresent([Filter].self, forKey: .filters) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case inputs, activations, attributions, filters
    }
}

extension Explorer {
    /// A config that `vizrun CONFIG` runs to draw the same pictures and arrays: this model, these
    /// inputs prepared as the server prepares them, and one run per view with the options the
    /// server computed it with (`View.options`).
    func savedConfig(_ request: ConfigRequest) throws -> String {
        let sources = try request.inputs.map(source)
        guard !sources.isEmpty else { throw ServeError.badRequest("nothing to save: choose an input first") }
        var views: [View] = []
        for item in request.activations {
            let layer = try layer(item.layer)
            for channel in item.channels { try checkChannel(channel, of: layer) }
            let channels = Array(Set(item.channels)).sorted()
            if let index = views.firstIndex(where: { if case .activations(item.layer, _) = $0 { true } else { false } }),
                case .activations(_, let earlier) = views[index]
            {
                views[index] = .activations(layer: item.layer, channels: Array(Set(earlier + channels)).sorted())
            } else {
                views.append(.activations(layer: item.layer, channels: channels))
            }
        }
        for item in request.attributions {
            try views.append(attributionView(method: item.method, layer: item.layer, classIndex: item.classIndex))
        }
        for item in request.filters {
            try checkChannel(item.channel, of: layer(item.layer))
            views.append(.filter(layer: item.layer, channel: item.channel))
        }
        var seen: Set<View> = []
        views = views.filter { seen.insert($0).inserted }
        guard !views.isEmpty else { throw ServeError.badRequest("nothing to save: look at a layer, a map or a pattern first") }

        var lines = [
            "# Saved by `vizrun serve`: `vizrun THIS_FILE` draws what the page showed, into out/ beside it.",
            "model:",
            "  path: \(View.quoted(modelSpec.path))",
        ]
        if let loader = modelSpec.loader { lines.append("  loader: \(View.quoted(loader))") }
        if let architecture = modelSpec.architecture { lines.append("  architecture: \(View.quoted(architecture))") }
        if let labels = modelSpec.labels { lines.append("  labels: \(View.quoted(labels))") }
        lines.append("input:")
        lines.append("  images: [\(sources.map { View.quoted($0.path) }.joined(separator: ", "))]")
        lines += inputConfig.preprocessing.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
        // The server computes one input at a time; a batch's sums would round differently.
        lines.append("  batch_size: 1")
        lines.append("runs:")
        var names: Set<String> = []
        for view in views {
            let name = SafeName.unique(view.visualizer, taken: &names)
            lines.append("  - {visualizer: \(view.visualizer), name: \(name), \(view.options.dropFirst())")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The attribution a request names, checked: a known method, an existing layer, a class of the model.
    func attributionView(method: String, layer: String?, classIndex: Int) throws -> View {
        guard View.camMethods.contains(method) || View.saliencyMethods.contains(method) else {
            throw ServeError.badRequest(
                "unknown method '\(method)'; choose one of \((View.camMethods + View.saliencyMethods).joined(separator: ", "))")
        }
        if let layer { _ = try self.layer(layer) }
        guard classIndex >= 0 else { throw ServeError.badRequest("class \(classIndex) is out of range: classes count from 0") }
        return .attribution(method: method, layer: View.camMethods.contains(method) ? layer : nil, classIndex: classIndex)
    }

    /// `channel` is one of the layer's channels, and the layer's output has channels to draw.
    func checkChannel(_ channel: Int, of layer: Model.Layer) throws {
        guard let count = channelCount(of: layer) else {
            let shape = ShapeCheck.describe([-1] + model.outputShape(of: layer))
            throw ServeError.badRequest("layer '\(layer.name)' has output shape \(shape): no image channels to draw")
        }
        guard channel >= 0, channel < count else {
            throw ServeError.badRequest("channel \(channel) is out of range: layer '\(layer.name)' has \(count) channels")
        }
    }
}
