import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.journal` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum JournalFuzz {
    static func main() {
        Fuzzing.run(.journal)
    }
}
