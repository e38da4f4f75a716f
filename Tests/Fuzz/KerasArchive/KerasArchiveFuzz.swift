import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.kerasArchive` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum KerasArchiveFuzz {
    static func main() {
        Fuzzing.run(.kerasArchive)
    }
}
