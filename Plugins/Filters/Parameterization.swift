import VizCore

/// What the ascent optimises: the input pixels themselves (the book), or Lucid's parameters
/// (spectra, or a Laplacian pyramid) from which the input is drawn each step.
enum Parameterization: Equatable {
    case pixel
    /// `{kind: fft, decay_power, decorrelate, sigmoid}`; the input mapping is set at run time.
    case fourier(decayPower: Float, decorrelate: Bool, sigmoid: Bool)
    /// `{kind: laplacian, levels, decorrelate, sigmoid}`; the input mapping is set at run time.
    case laplacian(levels: Int, decorrelate: Bool, sigmoid: Bool)

    static let kinds = ["pixel", "fft", "laplacian"]

    /// The name a config gives it.
    var kind: String {
        switch self {
        case .pixel: return "pixel"
        case .fourier: return "fft"
        case .laplacian: return "laplacian"
        }
    }

    /// One step's image: the model's input and, for a drawn image, the valid 0…1 picture it came from.
    struct Image {
        var input: Tensor
        var rgb: Tensor?
    }
}

/// A parameterisation that draws a valid 0…1 picture from its parameters every step, and maps it
/// into the model's input space (the last stage, `ValidRGB`, shared by all).
protocol DrawnImage {
    /// Lucid's random start for `batch` items, (batch, …).
    func randomStart(batch: Int, generator: inout SeededGenerator) -> Tensor
    /// The valid image (batch, height, width, channels) in 0…1, and the same in the model's input space.
    func forward(_ parameters: Tensor) -> (rgb: Tensor, input: Tensor)
    /// d(loss)/d(parameters) from d(loss)/d(input), given the `rgb` the forward pass made.
    func backward(rgb: Tensor, inputGradient: Tensor) -> Tensor
}

/// A parameterisation bound to the pattern size and the model's input mapping.
enum ImageMaker {
    case pixel
    case drawn(any DrawnImage)

    func image(_ parameters: Tensor) -> Parameterization.Image {
        switch self {
        case .pixel: return Parameterization.Image(input: parameters, rgb: nil)
        case .drawn(let drawn):
            let (rgb, input) = drawn.forward(parameters)
            return Parameterization.Image(input: input, rgb: rgb)
        }
    }

    /// d(objective)/d(parameters) from d(objective)/d(input) at `image`.
    func parameterGradient(_ inputGradient: Tensor, at image: Parameterization.Image) -> Tensor {
        switch self {
        case .pixel: return inputGradient
        case .drawn(let drawn): return drawn.backward(rgb: image.rgb!, inputGradient: inputGradient)
        }
    }
}
