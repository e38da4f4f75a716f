import Foundation
import KerasTestSupport
import VizTesting
import XCTest

/// Sizes an HDF5 file claims are checked before memory is taken for them: a lie is one line from
/// the command, exit status 1.
final class HDF5SizeClaimTests: TemporaryFilesTestCase {
    /// k2_sequential's model with every layer's `weight_names` attribute (variable-length strings)
    /// claiming 2^60 strings. libhdf5 1.10 opens them, because 2^60 times the 16 bytes a stored
    /// string takes wraps around to no data at all; holding 2^60 pointers would not fit. The first
    /// layer with weights is the first the loader asks.
    func testAnAttributeClaimingMoreStringsThanMemoryHoldsIsOneLineFromTheCommand() throws {
        let path = try copyOfFixtureModel(try FixtureReference("k2_sequential"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try claim(1 << 60, elementsInEveryAttribute: "weight_names", of: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        try assertInspectRefuses(
            path,
            "cannot read attribute 'weight_names' of /model_weights/conv2d: it claims 1152921504606846976 strings, "
                + "more than this machine's memory holds")
    }

    /// Sets the size (and the maximum size) of the one dimension of the dataspace of every attribute
    /// `name`, in a file h5py wrote with its default format: a version 1 attribute message is an
    /// 8-byte header giving the sizes of the name, the datatype and the dataspace, then each of
    /// them padded to 8 bytes; a version 1 dataspace has 8 bytes of header, then the sizes.
    private func claim(_ count: UInt64, elementsInEveryAttribute name: String, of bytes: inout [UInt8]) throws {
        let key = Array(name.utf8) + [0]
        let starts = (8...(bytes.count - key.count)).filter { Array(bytes[$0..<($0 + key.count)]) == key }
        XCTAssertFalse(starts.isEmpty, "no attribute \(name)")
        for start in starts {
            let message = start - 8
            XCTAssertEqual(bytes[message], 1, "not a version 1 attribute message")
            func padded(at offset: Int) -> Int {
                let size = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
                return (size + 7) / 8 * 8
            }
            let dataspace = start + padded(at: message + 2) + padded(at: message + 4)
            XCTAssertEqual(bytes[dataspace..<(dataspace + 2)], [1, 1], "not a version 1 dataspace of one dimension")
            let sizes = bytes[dataspace + 2] & 1 == 0 ? 1 : 2
            for size in 0..<sizes {
                for byte in 0..<8 { bytes[dataspace + 8 + 8 * size + byte] = UInt8(truncatingIfNeeded: count >> (8 * byte)) }
            }
        }
    }
}
