import VizCore

/// The Keras layer `ChannelSwish` (a custom layer: Scripts/make_custom_layer_fixtures.py defines
/// it in Python), which vizrun cannot run by itself. Its config holds `per_channel`; its one weight,
/// `beta`, has one slope per channel of its input, or a single one.
public final class ChannelSwishLayer: LayerType {
    public static let className = "ChannelSwish"
    public static let summary = "x · sigmoid(β·x) with a learnable slope β per channel (Swish-β)"

    public init() {}

    public func op(for layer: KerasLayer) throws -> Op {
        guard layer.inputShapes.count == 1, let channels = layer.inputShapes[0].last, channels > 0 else {
            throw layer.error("(ChannelSwish) takes one input with a known number of channels")
        }
        let slopes = try layer.bool("per_channel", default: true) ? channels : 1
        let beta = try layer.weights(shaped: [[slopes]])[0]
        return ChannelSwishOp(beta: beta.scalars)
    }
}
