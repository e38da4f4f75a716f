import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.onnxModel` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum ONNXModelFuzz {
    static func main() {
        Fuzzing.run(.onnxModel)
    }
}
