import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.rawWeights` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum RawWeightsFuzz {
    static func main() {
        Fuzzing.run(.rawWeights)
    }
}
