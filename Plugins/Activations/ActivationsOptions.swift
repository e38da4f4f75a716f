import VizCore
import VizImage

/// The `activations` run's options (see Docs/config.md).
struct ActivationsOptions {
    /// Which layers, in model order.
    var layers: [Model.Layer] = []
    /// Channels to also draw alone, from every chosen layer.
    var channels: [Int] = []
    /// Where the config lists them: a layer whose channel count shows only at run time is checked then.
    var channelsNode: ConfigNode?
    var imagesPerRow = 16
    var margin = 0
    var colormap = Colormap.named("viridis")!

    init() {}

    init(_ mapping: ConfigMapping, model: Model) throws {
        layers = mapping.value("layers", default: Array(model.computedLayers.prefix(8))) { try Self.layers($0, model: model) }
        channelsNode = mapping.optional("channels")
        channels = mapping.value("channels", default: []) { node in
            try node.list().map { item in
                let channel = try item.int()
                guard channel >= 0 else { throw item.error("channels are counted from 0") }
                for layer in layers {
                    let shape = model.outputShape(of: layer)
                    if shape.count == 3, shape[2] >= 0, channel >= shape[2] {
                        throw item.error("channel \(channel) is out of range: layer '\(layer.name)' has \(shape[2]) channels")
                    }
                }
                return channel
            }
        }
        imagesPerRow = mapping.int("images_per_row", default: imagesPerRow, atLeast: 1)
        margin = mapping.int("margin", default: margin, atLeast: 0)
        colormap = mapping.value("colormap", default: colormap, Colormap.read)
        try mapping.finish()
        mapping.offer(.channelMeans(layers: layers.map(\.name)))
    }

    /// `{first: N}` (the default is the book's 8), `all`, or a list of layer names.
    private static func layers(_ node: ConfigNode, model: Model) throws -> [Model.Layer] {
        let computed = model.computedLayers
        if node.isMapping {
            let mapping = try node.mapping()
            let first = try mapping.required("first")
            let count = try first.int()
            guard count > 0 else { throw first.error("first must be at least 1") }
            try mapping.finish()
            return Array(computed.prefix(count))
        }
        if node.isScalar, try node.string() == "all" { return computed }
        return try node.list().map { item in
            let name = try item.string()
            do { return try model.requireLayer(name) } catch let error as VizError { throw item.error(error.message) }
        }
    }
}
