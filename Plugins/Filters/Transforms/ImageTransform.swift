import VizCore

/// One of the `transforms` applied to the image every step (Lucid's transformation robustness):
/// a random choice, drawn from the run's seeded generator, and the resampling it makes of an
/// image of a given size. Resamplings are linear, so gradients come back through their transposes.
protocol ImageTransform: Sendable {
    associatedtype Choice
    func choose(using generator: inout SeededGenerator) -> Choice
    func resampling(height: Int, width: Int, choice: Choice) -> Resampling
    /// Whether the output can differ in size from the input (a model with a fixed input size cannot take it).
    var resizes: Bool { get }
}

extension ImageTransform {
    func resampling(height: Int, width: Int, generator: inout SeededGenerator) -> Resampling {
        resampling(height: height, width: width, choice: choose(using: &generator))
    }
}

/// The run's transforms in the order written, applied in the model's input space: a fill level
/// (0…1) becomes each input channel's value through the config's preprocessing, so padding with
/// 0.5 grey or rotating in black gives the picture lucent's transforms give before normalising.
struct TransformChain {
    var transforms: [any ImageTransform] = []
    var inputMapping: InputMapping

    /// lucent's `standard_transforms`.
    static let standard: [any ImageTransform] = [
        Pad(width: 12, mode: .constant), Jitter(distance: 8),
        RandomScale(factors: (0..<11).map { 1 + Double($0 - 5) / 50 }),
        RandomRotation(degrees: (-10...10).map(Float.init) + Array(repeating: 0, count: 5)), Jitter(distance: 4),
    ]

    var isEmpty: Bool { transforms.isEmpty }

    /// This step's transformed batch and the pullback of a gradient on it to the batch.
    func apply(_ x: Tensor, generator: inout SeededGenerator) -> (image: Tensor, pullback: (Tensor) -> Tensor) {
        var image = x
        var steps: [Resampling] = []
        for transform in transforms {
            let step = transform.resampling(height: image.shape[1], width: image.shape[2], generator: &generator)
            image = step.forward(image, fill: fill(step.fillLevel))
            steps.append(step)
        }
        return (image, { gradient in steps.reversed().reduce(gradient) { $1.adjoint($0) } })
    }

    /// The model's input value of the 0…1 level `level`, per input channel.
    func fill(_ level: Float) -> [Float] {
        zip(inputMapping.scale, inputMapping.offset).map { scale, offset in 255 * level * scale + offset }
    }
}
