/// The loaders, visualizers and layer types vizrun knows, with where each came from.
///
/// Built-ins register at launch from one explicit list; plugins register through the same calls.
public final class Registry {
    public struct Entry<T> {
        public let type: T
        public let name: String
        public let summary: String
        /// `built-in`, or the path of the plugin library.
        public let origin: String
    }

    public private(set) var loaders: [Entry<ModelLoader.Type>] = []
    public private(set) var visualizers: [Entry<Visualizer.Type>] = []
    /// Named by the Keras class each builds.
    public private(set) var layerTypes: [Entry<LayerType.Type>] = []
    /// The Keras layer classes the built-in loaders run themselves, which no layer type may take over.
    public var builtinLayerClasses: Set<String> = []

    public init() {}

    public func register(loader: ModelLoader.Type, origin: String = "built-in") throws {
        if let existing = loaders.first(where: { $0.name == loader.name }) {
            throw VizError("two model loaders are named '\(loader.name)': from \(existing.origin) and from \(origin)")
        }
        loaders.append(Entry(type: loader, name: loader.name, summary: loader.summary, origin: origin))
    }

    public func register(visualizer: Visualizer.Type, origin: String = "built-in") throws {
        if let existing = visualizers.first(where: { $0.name == visualizer.name }) {
            throw VizError("two visualizers are named '\(visualizer.name)': from \(existing.origin) and from \(origin)")
        }
        visualizers.append(Entry(type: visualizer, name: visualizer.name, summary: visualizer.summary, origin: origin))
    }

    public func register(layer: LayerType.Type, origin: String = "built-in") throws {
        let className = layer.className
        if builtinLayerClasses.contains(className) {
            throw VizError("two layer types run the Keras class '\(className)': from built-in and from \(origin)")
        }
        if let existing = layerTypes.first(where: { $0.name == className }) {
            throw VizError("two layer types run the Keras class '\(className)': from \(existing.origin) and from \(origin)")
        }
        layerTypes.append(Entry(type: layer, name: className, summary: layer.summary, origin: origin))
    }

    /// Loads the model with the loader `loader(for:)` chooses, handing it every layer type.
    public func loadModel(_ spec: ModelSpec) throws -> Model {
        var spec = spec
        spec.layerTypes = layerTypes.map(\.type)
        return try loader(for: spec).load(spec)
    }

    /// The loader the spec names, or the one whose extensions match the file.
    public func loader(for spec: ModelSpec) throws -> ModelLoader {
        if let name = spec.loader {
            guard let entry = loaders.first(where: { $0.name == name }) else {
                let hint = Suggestions.didYouMean(name, among: loaders.map(\.name))
                throw VizError("no model loader named '\(name)' (known: \(loaders.map(\.name).joined(separator: ", ")))\(hint)")
            }
            return entry.type.init()
        }
        let lowered = spec.path.lowercased()
        guard let entry = loaders.first(where: { $0.type.fileExtensions.contains { lowered.hasSuffix($0) } }) else {
            let known = loaders.flatMap { $0.type.fileExtensions }.joined(separator: ", ")
            throw VizError(
                "no model loader reads this kind of file (known extensions: \(known)); name one with `loader:`",
                at: spec.path)
        }
        return entry.type.init()
    }

    public func visualizer(named name: String) throws -> Visualizer {
        guard let entry = visualizers.first(where: { $0.name == name }) else {
            let hint = Suggestions.didYouMean(name, among: visualizers.map(\.name))
            throw VizError("no visualizer named '\(name)' (known: \(visualizers.map(\.name).joined(separator: ", ")))\(hint)")
        }
        return entry.type.init()
    }
}
