import VizCore

/// Random shapes and tensors for tests, from vizrun's own seeded generator, so that every random
/// value in a test is the same on every run and machine.
extension SeededGenerator {
    /// Uniform in [0, 1), from the top 53 bits (independent of the standard library's algorithms).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `range` (inclusive).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func bool() -> Bool { next() & 1 == 1 }

    /// Elements uniform in [low, high), each from 53 random bits.
    public mutating func tensor(_ shape: [Int], _ low: Double = -1, _ high: Double = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(low + (high - low) * unit()) })
    }

    /// Magnitudes in [minimum, maximum] with a random sign: keeps away from kinks at 0.
    public mutating func tensorAvoidingZero(_ shape: [Int], minimum: Double = 0.1, maximum: Double = 2.4) -> Tensor {
        Tensor(
            shape: shape,
            scalars: (0..<shape.reduce(1, *)).map { _ in
                let magnitude = Float(minimum + (maximum - minimum) * unit())
                return bool() ? magnitude : -magnitude
            })
    }

    /// Every element distinct and at least `spacing` from every other (a shuffled ladder): no ties
    /// for max pooling, even after a finite-difference step smaller than spacing / 2.
    public mutating func distinctTensor(_ shape: [Int], spacing: Float = 0.05) -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0 - count / 2) * spacing }
        for index in stride(from: count - 1, to: 0, by: -1) { values.swapAt(index, int(0...index)) }
        return Tensor(shape: shape, scalars: values)
    }
}
