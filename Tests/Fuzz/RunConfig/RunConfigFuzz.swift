import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.runConfig` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum RunConfigFuzz {
    static func main() {
        Fuzzing.run(.runConfig)
    }
}
