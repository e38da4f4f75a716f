/// How the run's preprocessing makes the model's input from a picture, channel by channel: input
/// channel c is `level · scale[c] + offset[c]`, where `level` is the 0…255 value of the picture's
/// channel `source[c]` (reversed for BGR models). A visualizer that draws its own pictures (the
/// `fft` filter patterns) maps them into the model's input space with it.
public struct InputMapping: Sendable, Equatable {
    public var scale: [Float]
    public var offset: [Float]
    public var source: [Int]

    public init(scale: [Float], offset: [Float], source: [Int]) {
        precondition(scale.count == offset.count && scale.count == source.count)
        self.scale = scale
        self.offset = offset
        self.source = source
    }

    /// The 0…255 levels as they are, in the model's channel order: no preprocessing.
    public static func levels(channels: Int) -> InputMapping {
        InputMapping(
            scale: Array(repeating: 1, count: channels), offset: Array(repeating: 0, count: channels),
            source: Array(0..<channels))
    }
}
