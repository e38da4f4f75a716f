import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.rawArchitecture` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum RawArchitectureFuzz {
    static func main() {
        Fuzzing.run(.rawArchitecture)
    }
}
