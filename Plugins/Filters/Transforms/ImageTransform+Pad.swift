import VizCore

/// `{pad: width}`: a border of `width` pixels on every side, 0.5 grey (lucent's `pad(w,
/// mode="constant", constant_value=0.5)`) or the image mirrored without repeating its edge
/// (`mode: reflect`, PyTorch's `F.pad(mode="reflect")`).
struct Pad: ImageTransform, Equatable {
    enum Mode: String, CaseIterable { case constant, reflect }

    let width: Int
    let mode: Mode
    var resizes: Bool { true }

    func choose(using generator: inout SeededGenerator) {}

    func resampling(height: Int, width sourceWidth: Int, choice: Void) -> Resampling {
        let border = width
        func mirrored(_ i: Int, _ n: Int) -> Int {
            guard mode == .reflect else { return i }
            let period = max(2 * (n - 1), 1)
            let folded = ((i % period) + period) % period
            return folded < n ? folded : period - folded
        }
        return Resampling(
            source: (height, sourceWidth), size: (height + 2 * border, sourceWidth + 2 * border), fillLevel: 0.5
        ) { y, x in
            [(mirrored(y - border, height), mirrored(x - border, sourceWidth), Float(1))]
        }
    }
}
