import Foundation
import VizCore

// MARK: - A model described outside a Keras file

/// One layer of a model that comes as a list of Keras layers rather than a Keras file (the `raw`
/// loader's architecture file): Keras's class name and config options, so the same layer mappings
/// build it.
package struct KerasLayerDescription {
    package let name: String
    /// A Keras layer class, e.g. `Conv2D`.
    package let className: String
    /// The layer's Keras config options, as JSON-like values (Int, Double, Bool, String, NSNull, arrays, dictionaries).
    package let options: [String: Any]
    /// The layers it reads from, by name.
    package let inputs: [String]
    /// Where the layer is written, e.g. `arch.yaml:12:5`: where errors about its options point.
    package let location: String

    package init(name: String, className: String, options: [String: Any], inputs: [String], location: String) {
        self.name = name
        self.className = className
        self.options = options
        self.inputs = inputs
        self.location = location
    }
}

/// One weight of a layer, already in Keras's layout and named `<layer>/<role>` (`conv1/kernel`).
package struct KerasLayerWeight {
    package let name: String
    package let value: Tensor
    /// The name in the weights file and the order of its axes there (axis `i` of the file's tensor
    /// is axis `fileAxes[i]` of `value`), when the file stores it otherwise (a PyTorch `conv1.weight`).
    package let fileName: String?
    package let fileAxes: [Int]

    package init(name: String, value: Tensor, fileName: String? = nil, fileAxes: [Int]? = nil) {
        self.name = name
        self.value = value
        self.fileName = fileName
        self.fileAxes = fileAxes ?? Array(0..<value.rank)
    }
}

/// Hands out each layer's weights while the graph is built.
package protocol KerasLayerWeightProvider {
    /// The weights stored for `layer`. `graph` holds every layer built so far as a node named after
    /// it, for weights whose layout depends on what comes before (a Dense after a Flatten).
    func weights(ofLayer layer: String, graph: Graph) throws -> [KerasLayerWeight]
    /// Where `layer`'s weights come from, for messages, e.g. `w.safetensors (tensors conv1.*)`.
    func origin(ofLayer layer: String) -> String
    /// The weights file, where weight errors are located.
    var location: String { get }
}

extension KerasModelAssembly {
    /// The model made of `layers` on one input named `inputName` of shape `inputShape` (height, width,
    /// channels, or any shape without the batch axis), its output the last layer. The layers take
    /// Keras 3's meaning of every option; `location` is the architecture file; `layerTypes` run the
    /// classes vizrun does not know.
    package static func model(
        inputName: String, inputShape: [Int], layers: [KerasLayerDescription],
        weights: KerasLayerWeightProvider, layerTypes: [LayerType.Type], location: String,
        path: String, loaderName: String, metadata: [String: String] = [:]
    ) throws -> Model {
        let pluginClasses = Set(layerTypes.map { $0.className })
        for layer in layers
        where KerasGraphBuilder.nodeBuilders[layer.className] == nil
            && !pluginClasses.contains(layer.className)
        {
            let known = Array(KerasGraphBuilder.nodeBuilders.keys) + pluginClasses
            let hint =
                Suggestions.closest(to: layer.className, among: known)
                .map { "; did you mean '\($0)'?" } ?? "; a layer plugin can add it (see Docs/plugins.md)"
            throw VizError(
                "layer '\(layer.name)' has type '\(layer.className)', which is not a Keras layer vizrun runs\(hint)",
                at: layer.location)
        }
        let config = KerasModelConfig(
            inputName: inputName, inputShape: inputShape, layers: layers,
            location: location)
        let graph = Graph()
        let builder = KerasGraphBuilder(
            config: config, weights: ProvidedKerasWeights(provider: weights, graph: graph),
            location: location, graph: graph, feeds: [:],
            layerTypes: KerasGraphBuilder.byClassName(layerTypes))
        try builder.build()
        try rejectUnusedOptions(config, pluginClasses: pluginClasses)
        return Model(
            graph: graph, layers: builder.layers, outputLayers: config.outputs.map(\.layer),
            path: path, loaderName: loaderName, metadata: metadata)
    }

    /// Options that Keras configs carry but that do not change inference: accepted unread.
    private static let inferenceIrrelevantOptions: Set<String> = [
        "name", "trainable", "dtype", "rate", "seed", "noise_shape", "momentum", "stddev",
    ]
    private static let inferenceIrrelevantSuffixes = ["_initializer", "_regularizer", "_constraint"]

    /// Fails at the first option no layer mapping looked up, which would otherwise be ignored
    /// silently (a misspelt `stride: 2`). A channels_first model is left alone: its layers are
    /// mapped from rewritten copies of their options. So are the layers of plugin classes, whose
    /// options are the plugin's to check.
    private static func rejectUnusedOptions(_ config: KerasModelConfig, pluginClasses: Set<String>) throws {
        guard !config.declaresChannelsFirst else { return }
        for layer in config.layers where layer.className != "InputLayer" && !pluginClasses.contains(layer.className) {
            let options = layer.options
            let read = options.readKeys.keys
            let unused = options.values.filter { key, value in
                !(value is NSNull) && !read.contains(key) && !inferenceIrrelevantOptions.contains(key)
                    && !inferenceIrrelevantSuffixes.contains { key.hasSuffix($0) }
            }.keys.sorted()
            guard let key = unused.first else { continue }
            let hint = Suggestions.didYouMean(key, among: Array(read))
            throw options.error("has option '\(key)', which a \(layer.className) layer does not use\(hint)")
        }
    }
}

extension KerasModelConfig {
    /// A functional model whose input layer is followed by `layers`, each called once on its `inputs`.
    fileprivate init(inputName: String, inputShape: [Int], layers: [KerasLayerDescription], location: String) {
        let version = KerasVersion("3")
        let input = Layer(
            className: "InputLayer", name: inputName, path: inputName,
            options: KerasLayerOptions(
                layer: inputName, values: ["batch_shape": [NSNull()] + inputShape.map { $0 as Any }],
                kerasVersion: version, location: location),
            calls: [], nestedModel: nil)
        let described = layers.map { layer in
            var options = layer.options
            options["name"] = layer.name
            return Layer(
                className: layer.className, name: layer.name, path: layer.name,
                options: KerasLayerOptions(
                    layer: layer.name, values: options, kerasVersion: version,
                    location: layer.location),
                calls: [
                    Call(
                        inputs: layer.inputs.map { KerasTensorReference(layer: $0, nodeIndex: 0, tensorIndex: 0) },
                        hasConstantArguments: false)
                ],
                nestedModel: nil)
        }
        className = "Functional"
        self.layers = [input] + described
        inputs = [KerasTensorReference(layer: inputName, nodeIndex: 0, tensorIndex: 0)]
        outputs = [KerasTensorReference(layer: (described.last ?? input).name, nodeIndex: 0, tensorIndex: 0)]
        kerasVersion = version
        pathPrefix = ""
    }
}

// MARK: - Weights

/// The provider's weights as a `KerasWeightSource`, so the layer mappings take them by role.
private struct ProvidedKerasWeights: KerasWeightSource {
    let provider: KerasLayerWeightProvider
    let graph: Graph

    func weights(ofLayer layer: String) throws -> KerasLayerWeights {
        let stored = try provider.weights(ofLayer: layer, graph: graph).map { weight in
            KerasLayerWeights.Stored(
                name: weight.name, value: weight.value,
                original: weight.fileName.map { .init(name: $0, axes: weight.fileAxes) })
        }
        return KerasLayerWeights(
            layer: layer, origin: provider.origin(ofLayer: layer), location: provider.location,
            stored: stored)
    }

    func weights(ofNestedModel layer: KerasModelConfig.Layer, config: KerasModelConfig) throws -> KerasWeightSource {
        throw VizError(
            "layer '\(layer.path)' is a nested model, which an architecture file cannot describe",
            at: provider.location)
    }
}
