import FuzzReaders
import FuzzSupport

/// libFuzzer on `FuzzReader.hdf5Model` (Tests/Fuzz/Readers/FuzzReader.swift); `make fuzz` runs it.
@main
enum HDF5ModelFuzz {
    static func main() {
        Fuzzing.run(.hdf5Model)
    }
}
