import VizCore

/// What the enlarged channel's caption states: its size and the range, mean and spread of its values.
struct ChannelStatistics: Codable, Equatable {
    let layer: String
    let channel: Int
    let height: Int
    let width: Int
    let minimum: Float
    let maximum: Float
    let mean: Float
    let std: Float
    /// The share of positions where the channel is exactly 0.
    let zeros: Float

    init(layer: String, channel: Int, values: Tensor) {
        self.layer = layer
        self.channel = channel
        (height, width) = (values.shape[0], values.shape[1])
        let scalars = values.scalars
        let count = Double(max(scalars.count, 1))
        minimum = scalars.min() ?? 0
        maximum = scalars.max() ?? 0
        let mean = scalars.reduce(0.0) { $0 + Double($1) } / count
        let variance = scalars.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        self.mean = Float(mean)
        std = Float(variance.squareRoot())
        zeros = Float(Double(scalars.lazy.filter { $0 == 0 }.count) / count)
    }
}
