import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.image` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum ImageFuzz {
    static func main() {
        Fuzzing.run(.image)
    }
}
