import Foundation
import VizCore
import VizTesting
import XCTest

@testable import RawLoader

/// Fuzzes the safetensors and `.npy` header parsers: seeded mutations of a seed corpus (the
/// committed fixtures plus a few hand-made files) must each load or throw a VizError, never crash.
/// The suite runs a short, deterministic pass; `RAW_FUZZ_ITERATIONS=1000000` runs a long one.
final class HeaderFuzzTests: XCTestCase {
    private static let iterations = ProcessInfo.processInfo.environment["RAW_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3000

    func testSafetensorsParserNeverCrashes() throws {
        var seeds = [try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("raw/pytorch/model.safetensors")))]
        seeds.append(RawModelFiles.safetensors(RawModelFiles.tensors))
        seeds.append(
            RawModelFiles.safetensors([
                RawModelFiles.StoredTensor(name: "h", dtype: "F16", shape: [2, 1], bytes: [0, 0x3C, 0, 0xBC]),
                RawModelFiles.StoredTensor(name: "b", dtype: "BF16", shape: [], bytes: [0x80, 0x3F]),
                RawModelFiles.StoredTensor(name: "d", dtype: "F64", shape: [0]),
                RawModelFiles.StoredTensor(name: "i", dtype: "I64", shape: [1], bytes: [UInt8](repeating: 1, count: 8)),
            ]))
        let outcome = fuzz(seeds, seed: 0x5AFE) { data in
            let file = try SafetensorsFile(data: data, path: "fuzz.safetensors")
            for name in file.tensorNames { _ = try? file.tensor(named: name) }
        }
        print("safetensors fuzz: \(outcome)")
    }

    func testNpyParserNeverCrashes() throws {
        let folder = Fixtures.path("raw/pytorch/npy")
        var seeds = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { name in
            try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        // The same array under version 2 and 3 preambles (a 4-byte header length).
        for version: UInt8 in [2, 3] {
            let original = seeds[0]
            let headerLength = Int(original[8]) | Int(original[9]) << 8
            var data = Data(original.prefix(6) + [version, 0])
            data.append(contentsOf: withUnsafeBytes(of: UInt32(headerLength).littleEndian) { Array($0) })
            data.append(original.dropFirst(10))
            seeds.append(data)
        }
        let outcome = fuzz(seeds, seed: 0x4E5059) { data in _ = try Tensor(npyData: data, source: "fuzz.npy") }
        print(".npy fuzz: \(outcome)")
    }

    // MARK: - Mutation

    /// Runs `parse` on `iterations` mutants of the seeds; fails on any error that is not a VizError.
    private func fuzz(_ seeds: [Data], seed: UInt64, parse: (Data) throws -> Void) -> String {
        var random = SeededGenerator(seed: seed)
        var (accepted, refused) = (0, 0)
        for iteration in 0..<Self.iterations {
            var mutant = seeds[iteration % seeds.count]
            for _ in 0...Int(random.next() % 4) { mutate(&mutant, &random) }
            do {
                try parse(mutant)
                accepted += 1
            } catch is VizError {
                refused += 1
            } catch {
                XCTFail("iteration \(iteration): not a VizError: \(error)")
            }
        }
        return "\(accepted) mutants accepted, \(refused) refused with a VizError"
    }

    /// Bytes that parsers treat specially: JSON and Python-literal punctuation, digits, extremes.
    private static let interestingBytes = Array("{}[](),:'\"-0123456789eE.TF ".utf8) + [0, 0x7F, 0x80, 0xFF]

    private func mutate(_ data: inout Data, _ random: inout SeededGenerator) {
        func position(_ count: Int) -> Int { count == 0 ? 0 : Int(random.next() % UInt64(count)) }
        // Most mutations land in the first bytes, where the preamble and header are.
        let span = min(data.count, random.next() % 4 == 0 ? data.count : 160)
        let start = data.startIndex
        switch random.next() % 7 {
        case 0 where span > 0:
            data[start + position(span)] ^= UInt8(1 << (random.next() % 8))
        case 1 where span > 0:
            data[start + position(span)] = Self.interestingBytes[position(Self.interestingBytes.count)]
        case 2:
            data = data.prefix(position(data.count + 1))
        case 3 where span > 0:
            let at = start + position(span)
            data.insert(contentsOf: [Self.interestingBytes[position(Self.interestingBytes.count)]], at: at)
        case 4 where span > 1:
            let at = start + position(span)
            data.removeSubrange(at..<min(at + 1 + position(8), data.endIndex))
        case 5 where data.count >= 12:
            // A length field: the safetensors header length, or the .npy header length.
            let field = random.next() % 2 == 0 ? 0 : 8
            let values: [UInt64] = [
                0, 1, 7, UInt64(data.count), UInt64(data.count - 8), 0xFFFF, 100_000_001,
                UInt64.max, random.next(),
            ]
            let value = values[position(values.count)]
            for byte in 0..<4 { data[start + field + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
        default:
            data.append(contentsOf: (0..<position(16)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
    }
}
