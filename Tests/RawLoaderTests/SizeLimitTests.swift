import Foundation
import VizCore
import VizTesting
import XCTest

@testable import RawLoader

/// Sizes a safetensors header claims are checked before memory is taken for them: each claim that
/// the file cannot back is one VizError that says which.
final class SizeLimitTests: XCTestCase {
    /// A safetensors file: the 8-byte little-endian header length `declared` (the header's own by
    /// default), the header, then `data`.
    private func safetensors(header: String, declared: UInt64? = nil, data: [UInt8] = []) -> Data {
        let length = declared ?? UInt64(header.utf8.count)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + Array(header.utf8) + data)
    }

    private func error(_ data: Data) -> String? {
        vizError { try SafetensorsFile(data: data, path: "limits.safetensors") }?.description
    }

    func testAHeaderLengthOverTheFormatsLimitIsRefusedBeforeItIsRead() {
        XCTAssertEqual(
            error(safetensors(header: "{}", declared: 1 << 40)),
            "limits.safetensors: error: not a valid .safetensors file: the header length 1099511627776 exceeds the "
                + "format's limit of 100000000 bytes")
    }

    func testAShapeTheDataCannotHoldIsRefused() {
        let cases = [
            (
                "[1099511627776, 1099511627776]",
                "tensor 'w' has too large a shape [1099511627776, 1099511627776]"
            ),
            (
                "[1000000000]",
                "tensor 'w' (F32, shape (1000000000,)) needs 4000000000 bytes, but its data_offsets [0, 4] span 4"
            ),
        ]
        for (shape, message) in cases {
            let header = #"{"w": {"dtype": "F32", "shape": "# + shape + #", "data_offsets": [0, 4]}}"#
            XCTAssertEqual(
                error(safetensors(header: header, data: [0, 0, 0, 0])),
                "limits.safetensors: error: not a valid .safetensors file: " + message)
        }
    }
}
