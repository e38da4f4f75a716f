import VizCore

/// SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference `splitmix64.c`): a tiny seeded
/// generator, so every random shape and value in these tests is the same on every run and machine.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits (independent of the standard library's algorithms).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ low: Double, _ high: Double) -> Float { Float(low + (high - low) * unit()) }

    /// Uniform in `range` (inclusive).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func tensor(_ shape: [Int], _ low: Double = -1, _ high: Double = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in uniform(low, high) })
    }

    /// Magnitudes in [minimum, maximum] with a random sign: keeps away from kinks at 0.
    mutating func tensorAvoidingZero(_ shape: [Int], minimum: Double = 0.1, maximum: Double = 2.4) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in
            let magnitude = uniform(minimum, maximum)
            return bool() ? magnitude : -magnitude
        })
    }

    /// Every element distinct and at least `spacing` from every other (a shuffled ladder): no ties
    /// for max pooling, even after a finite-difference step smaller than spacing / 2.
    mutating func distinctTensor(_ shape: [Int], spacing: Float = 0.05) -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0 - count / 2) * spacing }
        for index in stride(from: count - 1, to: 0, by: -1) { values.swapAt(index, int(0...index)) }
        return Tensor(shape: shape, scalars: values)
    }
}
