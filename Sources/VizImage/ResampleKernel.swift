import Foundation

/// One axis of Pillow's separable resampling (`precompute_coeffs` and `normalize_coeffs_8bpc` in
/// libImaging/Resample.c): for every output pixel, the span of source pixels it reads and their
/// weights in fixed point.
struct ResampleKernel {
    struct Span {
        var start: Int
        var count: Int
    }

    /// Pillow keeps 8 bits for the result and 2 for overshoot in a 32-bit sum.
    static let precisionBits: Int32 = 32 - 8 - 2
    /// Half of the last bit, added up front so the final shift rounds.
    static let rounding: Int32 = 1 << (precisionBits - 1)

    let outputSize: Int
    /// Weights stored per output pixel; only the first `spans[i].count` are used.
    let taps: Int
    private(set) var spans: [Span]
    let weights: [Int32]

    init(inputSize: Int, outputSize: Int, filter: ResampleFilter) {
        let support: Double
        let kernel: (Double) -> Double
        switch filter {
        case .bilinear: (support, kernel) = (1, Self.triangle)
        case .bicubic: (support, kernel) = (2, Self.keysCubic)
        case .nearest: preconditionFailure("nearest neighbour does not convolve")
        }
        // Pillow takes the box edges as floats; sizes below 2^24 convert exactly.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let scaledSupport = support * filterScale
        let taps = Int(scaledSupport.rounded(.up)) * 2 + 1
        var spans = [Span]()
        spans.reserveCapacity(outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * taps)
        var raw = [Double](repeating: 0, count: taps)
        for index in 0..<outputSize {
            let center = (Double(index) + 0.5) * scale
            let inverseScale = 1.0 / filterScale
            let start = max(Int(center - scaledSupport + 0.5), 0)
            let count = min(Int(center + scaledSupport + 0.5), inputSize) - start
            var total = 0.0
            for tap in 0..<count {
                let weight = kernel((Double(tap + start) - center + 0.5) * inverseScale)
                raw[tap] = weight
                total += weight
            }
            for tap in 0..<count {
                let normalized = total != 0 ? raw[tap] / total : raw[tap]
                let fixed = normalized * Double(1 << Self.precisionBits)
                weights[index * taps + tap] = Int32(normalized < 0 ? -0.5 + fixed : 0.5 + fixed)
            }
            spans.append(Span(start: start, count: count))
        }
        self.outputSize = outputSize
        self.taps = taps
        self.spans = spans
        self.weights = weights
    }

    /// Makes spans relative to a block of rows that starts `-offset` rows into the image.
    mutating func shiftSpans(by offset: Int) {
        for index in spans.indices { spans[index].start += offset }
    }

    /// Pillow's `clip8`: an arithmetic shift, then saturation to 0...255.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> precisionBits)
    }

    private static func triangle(_ x: Double) -> Double {
        let x = abs(x)
        return x < 1 ? 1 - x : 0
    }

    private static func keysCubic(_ x: Double) -> Double {
        let a = -0.5
        let x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }
}
