import Foundation
import KerasGraph
import VizCore

/// The tensors of a weights file, matched to the architecture's layers by name and handed to the
/// Keras layer mappings in Keras's layout: PyTorch tensors are transposed here, once, as they are read.
///
/// A tensor belongs to the layer named by everything before the last separator of its name
/// (`features.0.weight` → layer `features.0`, role `weight`), after `weights_map` renames it. A
/// tensor that belongs to no layer is an error before anything is built; one a layer does not take
/// is reported by the layer mapping.
struct RawWeights: KerasLayerWeightProvider {
    /// One stored tensor of a layer.
    private struct Stored {
        /// As the file names it.
        let fileName: String
        /// The part after the layer's name and the separator (`weight`, `kernel`, …).
        let role: String
    }

    let architecture: RawArchitecture
    let file: WeightFile
    private let storedByLayer: [String: [Stored]]

    var location: String { file.path }

    init(architecture: RawArchitecture, file: WeightFile) throws {
        self.architecture = architecture
        self.file = file
        let separator = String(architecture.layout.separator)
        let layerNames = Set(architecture.layers.map(\.name))
        let expectedNames = try Self.expectedNames(architecture: architecture, file: file, layerNames: layerNames)
        var storedByLayer: [String: [Stored]] = [:]
        for fileName in file.tensorNames {
            let name = expectedNames[fileName] ?? fileName
            guard let split = name.range(of: separator, options: .backwards),
                case let layer = String(name[..<split.lowerBound]), layerNames.contains(layer)
            else {
                throw VizError(
                    "tensor '\(fileName)' belongs to no layer of \(architecture.file): a tensor belongs to "
                        + "the layer named before the last '\(separator)' of its name; rename it with weights_map",
                    at: file.path)
            }
            storedByLayer[layer, default: []].append(Stored(fileName: fileName, role: String(name[split.upperBound...])))
        }
        self.storedByLayer = storedByLayer
    }

    /// The file's tensor names that `weights_map` renames, with the names vizrun looks for.
    private static func expectedNames(
        architecture: RawArchitecture, file: WeightFile,
        layerNames: Set<String>
    ) throws -> [String: String] {
        let separator = String(architecture.layout.separator)
        let stored = Set(file.tensorNames)
        var expected: [String: String] = [:]
        for rename in architecture.weightsMap {
            if layerNames.contains(rename.expected) {
                let prefix = rename.stored + separator
                let matching = file.tensorNames.filter { $0.hasPrefix(prefix) }
                guard !matching.isEmpty else {
                    throw rename.node.error("weights_map: no tensor of \(file.path) starts with '\(prefix)'")
                }
                for name in matching { expected[name] = rename.expected + separator + name.dropFirst(prefix.count) }
            } else {
                guard let split = rename.expected.range(of: separator, options: .backwards),
                    layerNames.contains(String(rename.expected[..<split.lowerBound]))
                else {
                    throw rename.node.error(
                        "weights_map: '\(rename.expected)' names neither a layer nor a layer's tensor "
                            + "('<layer>\(separator)<name>')")
                }
                guard stored.contains(rename.stored) else {
                    throw rename.node.error("weights_map: \(file.path) holds no tensor '\(rename.stored)'")
                }
                expected[rename.stored] = rename.expected
            }
        }
        return expected
    }

    // MARK: - KerasLayerWeightProvider

    func origin(ofLayer layer: String) -> String {
        "\(file.path) (tensors '\(layer)\(architecture.layout.separator)…')"
    }

    func weights(ofLayer name: String, graph: Graph) throws -> [KerasLayerWeight] {
        guard let layer = architecture.layer(named: name) else { return [] }
        return try (storedByLayer[name] ?? []).compactMap { stored in
            guard let role = architecture.layout.kerasRole(ofStored: stored.role, layerType: layer.type) else { return nil }
            var value = try file.tensor(named: stored.fileName)
            var fileName = stored.fileName
            if layer.type == "DepthwiseConv2D", role.axes != nil, let view = depthwiseView(of: value, layer: layer, graph: graph)
            {
                value = view
                fileName += " seen as (C, M, H, W)"
            }
            let kerasName = "\(name)/\(role.role)"
            guard let axes = role.axes, value.rank == axes.count else {
                // Same layout, or a rank the layer mapping will report with the file's shape.
                return KerasLayerWeight(name: kerasName, value: value, fileName: fileName)
            }
            if layer.type == "Dense", let flattened = try flattenedInput(of: layer, graph: graph),
                value.shape[1] == flattened.reduce(1, *)
            {
                return KerasLayerWeight(
                    name: kerasName, value: Self.denseKernel(value, afterFlattening: flattened),
                    fileName: fileName, fileAxes: axes)
            }
            return KerasLayerWeight(
                name: kerasName, value: value.transposed(movingAxesTo: axes),
                fileName: fileName, fileAxes: axes)
        }
    }

    /// A depthwise `nn.Conv2d` weight (C·M, 1, H, W) seen as (C, M, H, W), C the input's
    /// channels; nil when it does not have that form, for the layer mapping to report as it is.
    private func depthwiseView(of weight: Tensor, layer: RawArchitecture.Layer, graph: Graph) -> Tensor? {
        guard weight.rank == 4, weight.shape[1] == 1, layer.inputs.count == 1,
            let input = graph.index(of: layer.inputs[0]), let channels = graph.nodes[input].shape.last,
            channels > 0, weight.shape[0] % channels == 0
        else { return nil }
        return weight.reshaped([channels, weight.shape[0] / channels, weight.shape[2], weight.shape[3]])
    }

    // MARK: - Flatten order

    /// (height, width, channels) of the 4-D value a PyTorch-layout Dense reads flattened, when a
    /// Flatten feeds it (through layers that keep the shape, such as Dropout or ReLU). PyTorch
    /// flattens (C, H, W) where vizrun flattens (H, W, C), so those kernel rows are reordered.
    private func flattenedInput(of dense: RawArchitecture.Layer, graph: Graph) throws -> [Int]? {
        func shape(_ layer: String) -> [Int]? { graph.index(of: layer).map { graph.nodes[$0].shape } }
        guard dense.inputs.count == 1, let denseInput = shape(dense.inputs[0]) else { return nil }
        guard denseInput.count == 2 else {
            throw VizError(
                "layer '\(dense.name)' (Dense) reads a \(denseInput.count)-D value; with layout pytorch a Dense "
                    + "needs a flat (batch, features) input, as nn.Linear on (N, C, H, W) data acts on W",
                at: dense.location)
        }
        var current = dense.inputs[0]
        while let layer = architecture.layer(named: current), layer.inputs.count == 1 {
            guard let input = shape(layer.inputs[0]) else { return nil }
            if layer.type == "Flatten" { return input.count == 4 ? Array(input.dropFirst()) : nil }
            guard input == denseInput else { return nil }
            current = layer.inputs[0]
        }
        return nil
    }

    /// An `nn.Linear` weight (out, C·H·W) as Keras's kernel (H·W·C, out).
    private static func denseKernel(_ weight: Tensor, afterFlattening input: [Int]) -> Tensor {
        let (height, width, channels, units) = (input[0], input[1], input[2], weight.shape[0])
        return weight.reshaped([units, channels, height, width])
            .transposed(movingAxesTo: [3, 2, 0, 1])
            .reshaped([height * width * channels, units])
    }
}
