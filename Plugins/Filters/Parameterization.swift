import VizCore

/// What the ascent optimises: the input pixels themselves (the book), or Lucid's spectra from which
/// the input is made each step.
enum Parameterization: Equatable {
    case pixel
    /// `{kind: fft, decay_power, decorrelate, sigmoid}`; the input mapping is set at run time.
    case fourier(decayPower: Float, decorrelate: Bool, sigmoid: Bool)

    static let kinds = ["pixel", "fft"]

    /// One step's image: the model's input and, for `fft`, the valid 0…1 picture it came from.
    struct Image {
        var input: Tensor
        var rgb: Tensor?
    }
}

/// A parameterisation bound to the pattern size and the model's input mapping.
enum ImageMaker {
    case pixel
    case fourier(FourierImage)

    func image(_ parameters: Tensor) -> Parameterization.Image {
        switch self {
        case .pixel: return Parameterization.Image(input: parameters, rgb: nil)
        case .fourier(let fourier):
            let (rgb, input) = fourier.forward(parameters)
            return Parameterization.Image(input: input, rgb: rgb)
        }
    }

    /// d(objective)/d(parameters) from d(objective)/d(input) at `image`.
    func parameterGradient(_ inputGradient: Tensor, at image: Parameterization.Image) -> Tensor {
        switch self {
        case .pixel: return inputGradient
        case .fourier(let fourier): return fourier.backward(rgb: image.rgb!, inputGradient: inputGradient)
        }
    }
}
