/// What a layer's output looked like for one input, for the report and for scripts: the layer's
/// class and output shape, the range of its values, and the share of its channels that are zero
/// everywhere (dead for this input, typically a ReLU that never fired).
public struct LayerStats: Codable, Equatable, Sendable {
    public var layerClass: String
    /// Without the batch axis.
    public var outputShape: [Int]
    public var minimum: Float
    public var maximum: Float
    /// Channels (the last axis) whose every value is exactly 0, as a fraction of all channels.
    public var deadChannels: Double
    /// Each channel's mean over every position (finite values only): what folder runs average
    /// over their inputs. Optional for manifests written before it.
    public var channelMeans: [Float]?

    public init(
        layerClass: String, outputShape: [Int], minimum: Float, maximum: Float, deadChannels: Double,
        channelMeans: [Float]? = nil
    ) {
        self.layerClass = layerClass
        self.outputShape = outputShape
        self.minimum = minimum
        self.maximum = maximum
        self.deadChannels = deadChannels
        self.channelMeans = channelMeans
    }

    /// Measures `output` (batch item 0 of an NHWC or (N, features) tensor) of a layer of class `layerClass`.
    public init(layerClass: String, output: Tensor) {
        let shape = Array(output.shape.dropFirst())
        let channels = max(shape.last ?? 1, 1)
        var minimum = Float.infinity
        var maximum = -Float.infinity
        var alive = [Bool](repeating: false, count: channels)
        var sums = [Double](repeating: 0, count: channels)
        var counts = [Int](repeating: 0, count: channels)
        output.scalars.withUnsafeBufferPointer { values in
            for index in 0..<(shape.reduce(1, *)) {
                let value = values[index]
                let channel = index % channels
                if value != 0 { alive[channel] = true }
                // JSON has no NaN or infinity; the sink refuses such arrays, and the statistics skip them.
                guard value.isFinite else { continue }
                minimum = min(minimum, value)
                maximum = max(maximum, value)
                sums[channel] += Double(value)
                counts[channel] += 1
            }
        }
        if minimum > maximum { (minimum, maximum) = (0, 0) }
        self.init(
            layerClass: layerClass, outputShape: shape, minimum: minimum, maximum: maximum,
            deadChannels: Double(alive.filter { !$0 }.count) / Double(channels),
            channelMeans: zip(sums, counts).map { $1 > 0 ? Float($0 / Double($1)) : 0 })
    }

    enum CodingKeys: String, CodingKey {
        case layerClass = "class"
        case outputShape = "output_shape"
        case minimum = "min"
        case maximum = "max"
        case deadChannels = "dead_channels"
        case channelMeans = "channel_means"
    }
}
