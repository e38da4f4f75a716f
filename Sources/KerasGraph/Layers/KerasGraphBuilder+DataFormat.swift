import Foundation
import VizCore

/// How Keras lays out a value, compared with vizrun, which always runs NHWC.
///
/// A `channels_first` model is run channels-last: its input and every 4-D activation are held as
/// (N, H, W, C), which is also how users see them. Layer options that name an axis are remapped,
/// and the Dense layer after a Flatten of channels_first data gets its kernel rows reordered at
/// load, so every value from that Dense on equals Keras's. The Flatten itself then lists its
/// values in (H, W, C) order where Keras lists (C, H, W).
enum KerasTensorLayout: Equatable {
    /// Keras and vizrun agree.
    case same
    /// Keras holds this 4-D value as (N, C, H, W); vizrun holds its transpose (N, H, W, C).
    case channelsFirst
    /// A Flatten of channels_first data: Keras's vector is in (C, H, W) order, vizrun's in (H, W, C).
    case flattenedChannelsFirst(height: Int, width: Int, channels: Int)
}

extension KerasModelConfig {
    /// Whether any layer, at any depth, declares `data_format: channels_first`: then the model's
    /// 4-D inputs are (N, C, H, W) too.
    var declaresChannelsFirst: Bool {
        layers.contains { layer in
            (layer.options.values["data_format"] as? String) == "channels_first"
                || (layer.nestedModel?.declaresChannelsFirst ?? false)
        }
    }
}

extension KerasGraphBuilder {
    // MARK: - Before the layer is mapped

    /// The layer with its options rewritten for channels-last data, noting any weights that
    /// need reordering; unchanged in a channels_last model.
    func adaptedToChannelsLast(_ layer: KerasModelConfig.Layer, inputs: [LayerOutput]) throws -> KerasModelConfig.Layer {
        var values = layer.options.values
        var rewritten = false
        func rewrite(_ key: String, _ value: Any) {
            values[key] = value
            rewritten = true
        }
        let format = values["data_format"] as? String
        let layouts = inputs.map(\.layout)
        if layer.className == "InputLayer", config.declaresChannelsFirst {
            for key in ["batch_input_shape", "batch_shape"] {
                guard let shape = try layer.options.shape(key), shape.count == 4 else { continue }
                rewrite(key, [shape[0], shape[2], shape[3], shape[1]].map { $0 < 0 ? NSNull() as Any : $0 as Any })
            }
        } else if format == "channels_first" {
            if let mixed = inputs.first(where: { $0.layout != .channelsFirst && graph.nodes[$0.node].shape.count == 4 }) {
                throw mixedFormats(layer, format: "channels_first", input: mixed)
            }
            rewrite("data_format", "channels_last")
            if layer.options.kerasVersion.major == 1, layer.className == "Conv2D" {
                weightAdjustments[layer.name] = .kernelFromKeras1ChannelsFirst
            }
        } else if layouts.contains(.channelsFirst) {
            let input = inputs.first { $0.layout == .channelsFirst }!
            if format == "channels_last", layer.className != "Flatten" {
                throw mixedFormats(layer, format: "channels_last", input: input)
            }
            if layer.className == "Dense" {
                throw layer.options.error(
                    "applies Dense to the 4-D channels_first output of '\(input.layerPath)', "
                        + "which vizrun cannot run yet")
            }
            if let axis = values["axis"] {
                rewrite("axis", try channelsLastAxis(axis, layer))
            }
        } else if let flattened = layouts.first(where: { $0 != .same }),
            case .flattenedChannelsFirst(let height, let width, let channels) = flattened, layer.className == "Dense"
        {
            weightAdjustments[layer.name] = .denseRowsFromChannelsFirst(
                height: height, width: width,
                channels: channels)
        }
        guard rewritten else { return layer }
        return KerasModelConfig.Layer(
            className: layer.className, name: layer.name, path: layer.path,
            options: KerasLayerOptions(
                layer: layer.options.layer, values: values,
                kerasVersion: layer.options.kerasVersion, location: layer.options.location),
            calls: layer.calls, nestedModel: nil)
    }

    /// A Keras axis of (N, C, H, W) data as the axis of vizrun's (N, H, W, C).
    private func channelsLastAxis(_ value: Any, _ layer: KerasModelConfig.Layer) throws -> Any {
        let channelsLast = [0, 3, 1, 2]
        func convert(_ axis: Int) throws -> Int {
            let positive = axis < 0 ? axis + 4 : axis
            guard channelsLast.indices.contains(positive) else {
                throw layer.options.error("has axis \(axis), which 4-D channels_first data does not have")
            }
            return channelsLast[positive]
        }
        if let axis = value as? Int { return try convert(axis) }
        if let axes = value as? [Int] { return try axes.map(convert) }
        throw layer.options.error("has option 'axis' = \(value), expected an integer or a list of integers")
    }

    private func mixedFormats(_ layer: KerasModelConfig.Layer, format: String, input: LayerOutput) -> VizError {
        let inputFormat = input.layout == .channelsFirst ? "channels_first" : "channels_last"
        return layer.options.error(
            "uses data_format '\(format)' on the \(inputFormat) output of '\(input.layerPath)'; "
                + "vizrun cannot run a model that mixes data formats")
    }

    // MARK: - After the layer is mapped

    /// How Keras lays out what the layer produced; `layer` as the config has it, before adapting.
    func outputLayout(of layer: KerasModelConfig.Layer, inputs: [LayerOutput], outputShape: [Int]) throws
        -> KerasTensorLayout
    {
        if layer.className == "InputLayer" {
            return config.declaresChannelsFirst && outputShape.count == 4 ? .channelsFirst : .same
        }
        let layouts = inputs.map(\.layout)
        guard let first = layouts.first(where: { $0 != .same }) else { return .same }
        let declaresFormat = layer.options.values["data_format"] != nil
        if first == .channelsFirst {
            if layer.className == "Flatten", (layer.options.values["data_format"] as? String) != "channels_first" {
                let shape = graph.nodes[inputs[0].node].shape
                return .flattenedChannelsFirst(height: shape[1], width: shape[2], channels: shape[3])
            }
            if outputShape.count == 4 { return .channelsFirst }
            guard declaresFormat || layer.className == "Flatten" else { throw unfollowable(layer, inputs) }
            return .same
        }
        if layer.className == "Dense" { return .same }
        // Values that go through unchanged (activations, dropouts, sums of equal layouts) keep their order.
        guard layouts.allSatisfy({ $0 == first }), outputShape == graph.nodes[inputs[0].node].shape else {
            throw unfollowable(layer, inputs)
        }
        return first
    }

    private func unfollowable(_ layer: KerasModelConfig.Layer, _ inputs: [LayerOutput]) -> VizError {
        let source = inputs.first { $0.layout != .same }!.layerPath
        return layer.options.error(
            "(\(layer.className)) reshapes the channels_first data of '\(source)' in a way "
                + "vizrun cannot convert to channels_last")
    }
}

// MARK: - Weights

/// A change to stored weights that running a model channels-last calls for.
enum KerasWeightAdjustment {
    /// The Dense after a Flatten of channels_first data: kernel rows from (C, H, W) to (H, W, C) order.
    case denseRowsFromChannelsFirst(height: Int, width: Int, channels: Int)
    /// A Keras 1 `dim_ordering: th` convolution kernel: (out, in, rows, cols) to Keras 2's
    /// (rows, cols, in, out), as Keras 2's own loader converts it.
    case kernelFromKeras1ChannelsFirst

    /// The adjusted tensor; the kernel is the layer's only weight of its rank (2 for Dense, 4 for a
    /// convolution), and other weights pass unchanged, as does a kernel of unexpected size, which
    /// the layer mapping's shape check then reports.
    func apply(to value: Tensor) -> Tensor {
        switch self {
        case .denseRowsFromChannelsFirst(let height, let width, let channels):
            guard value.rank == 2, value.shape[0] == height * width * channels else { return value }
            let units = value.shape[1]
            var scalars = [Float](repeating: 0, count: value.count)
            for c in 0..<channels {
                for h in 0..<height {
                    for w in 0..<width {
                        let from = ((c * height + h) * width + w) * units
                        let to = ((h * width + w) * channels + c) * units
                        scalars[to..<(to + units)] = value.scalars[from..<(from + units)]
                    }
                }
            }
            return Tensor(shape: value.shape, scalars: scalars)
        case .kernelFromKeras1ChannelsFirst:
            guard value.rank == 4 else { return value }
            let (outputs, inputs, rows, columns) = (value.shape[0], value.shape[1], value.shape[2], value.shape[3])
            var scalars = [Float](repeating: 0, count: value.count)
            for o in 0..<outputs {
                for i in 0..<inputs {
                    for r in 0..<rows {
                        for c in 0..<columns {
                            scalars[((r * columns + c) * inputs + i) * outputs + o] =
                                value.scalars[((o * inputs + i) * rows + r) * columns + c]
                        }
                    }
                }
            }
            return Tensor(shape: [rows, columns, inputs, outputs], scalars: scalars)
        }
    }
}

/// The stored weights with the adjustments applied, and named by layer path for messages.
struct AdjustedKerasWeights: KerasWeightSource {
    let stored: KerasWeightSource
    let adjustments: [String: KerasWeightAdjustment]
    /// `outer/` inside a nested model.
    let pathPrefix: String

    func weights(ofLayer layer: String) throws -> KerasLayerWeights {
        let original = try stored.weights(ofLayer: layer)
        let adjustment = adjustments[layer]
        let values = original.unclaimed.map { weight in
            adjustment.map { KerasLayerWeights.Stored(name: weight.name, value: $0.apply(to: weight.value)) } ?? weight
        }
        return KerasLayerWeights(
            layer: pathPrefix + layer, origin: original.origin, location: original.location,
            stored: values, storedByPosition: original.storedByPosition)
    }

    func weights(ofNestedModel layer: KerasModelConfig.Layer, config: KerasModelConfig) throws -> KerasWeightSource {
        try stored.weights(ofNestedModel: layer, config: config)
    }
}
