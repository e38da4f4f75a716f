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

    public init(layerClass: String, outputShape: [Int], minimum: Float, maximum: Float, deadChannels: Double) {
        self.layerClass = layerClass
        self.outputShape = outputShape
        self.minimum = minimum
        self.maximum = maximum
        self.deadChannels = deadChannels
    }

    /// Measures `output` (batch item 0 of an NHWC or (N, features) tensor) of a layer of class `layerClass`.
    public init(layerClass: String, output: Tensor) {
        let shape = Array(output.shape.dropFirst())
        let channels = max(shape.last ?? 1, 1)
        var minimum = Float.infinity, maximum = -Float.infinity
        var alive = [Bool](repeating: false, count: channels)
        output.scalars.withUnsafeBufferPointer { values in
            for index in 0..<(shape.reduce(1, *)) {
                let value = values[index]
                if value != 0 { alive[index % channels] = true }
                // JSON has no NaN or infinity; the sink refuses such arrays, and the range skips them.
                guard value.isFinite else { continue }
                minimum = min(minimum, value)
                maximum = max(maximum, value)
            }
        }
        if minimum > maximum { (minimum, maximum) = (0, 0) }
        self.init(layerClass: layerClass, outputShape: shape, minimum: minimum, maximum: maximum,
                  deadChannels: Double(alive.filter { !$0 }.count) / Double(channels))
    }

    enum CodingKeys: String, CodingKey {
        case layerClass = "class"
        case outputShape = "output_shape"
        case minimum = "min"
        case maximum = "max"
        case deadChannels = "dead_channels"
    }
}
