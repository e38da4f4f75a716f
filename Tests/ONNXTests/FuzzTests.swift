import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// Mutants of real exports (bytes flipped, runs deleted or repeated, the file cut short, fields of
/// the decoded model set to extreme values): each either loads or fails with a `VizError`; a crash
/// would end the test run.
final class FuzzTests: TemporaryFolderTestCase {
    /// xorshift64*, so the mutants are the same on every run.
    private struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(max(bound, 1)))
        }
    }

    /// Loads `bytes` as a model; true when it loaded, false when it was refused with a `VizError`.
    private func survives(_ bytes: Data) throws -> Bool {
        loadError(try write(bytes)) == nil
    }

    func testByteMutantsLoadOrFailWithAMessage() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("onnx/mix_ts11/model.onnx")))
        var random = Random(state: 0x0F0F_1234_5678_9ABC)
        var (loaded, refused) = (0, 0)
        for mutant in 0..<400 {
            var bytes = [UInt8](original)
            for _ in 0..<(1 + random.next(4)) {
                let at = random.next(bytes.count)
                switch random.next(4) {
                case 0: bytes[at] ^= UInt8(1 << random.next(8))
                case 1: bytes[at] = UInt8(random.next(256))
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.next(16)))
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 1 + random.next(16))], at: at)
                }
            }
            if mutant % 10 == 0 { bytes = Array(bytes.prefix(random.next(bytes.count))) }
            if try survives(Data(bytes)) { loaded += 1 } else { refused += 1 }
        }
        print("byte mutants: \(loaded) loaded, \(refused) refused with a message, none crashed")
    }

    func testExtremeFieldValuesFailWithAMessage() throws {
        let original = try Onnx_ModelProto(
            serializedBytes: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("onnx/mix_ts11/model.onnx"))))
        let extremes: [Int64] = [0, -1, 1 << 31, 1 << 40, .max, .min]
        var cases = 0
        for node in original.graph.node.indices {
            for attribute in original.graph.node[node].attribute.indices {
                for value in extremes {
                    var model = original
                    model.graph.node[node].attribute[attribute].i = value
                    model.graph.node[node].attribute[attribute].ints = model.graph.node[node].attribute[attribute].ints.map { _ in
                        value
                    }
                    _ = try survives(try model.serializedData())
                    cases += 1
                }
            }
        }
        for tensor in original.graph.initializer.indices {
            for value in extremes {
                var model = original
                model.graph.initializer[tensor].dims = model.graph.initializer[tensor].dims.map { _ in value }
                _ = try survives(try model.serializedData())
                cases += 1
            }
        }
        for value in extremes {
            var model = original
            for dim in model.graph.input[0].type.tensorType.shape.dim.indices {
                model.graph.input[0].type.tensorType.shape.dim[dim].dimValue = value
            }
            _ = try survives(try model.serializedData())
            cases += 1
        }
        print("field mutants: \(cases), none crashed")
    }
}
