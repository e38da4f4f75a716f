import Foundation
import VizCore
import VizImage
import VizRunner
import VizTesting
import XCTest

/// `input.layout: chw`: `.npy` inputs written (C, H, W), as PyTorch holds images, run as the same
/// arrays written (H, W, C) do; and each mistake it can meet is refused with one line.
final class InputLayoutTests: RunnerTestCase {
    /// A config over the demo model (150 × 150 × 3) with the given `.npy` inputs and runs.
    private func arrayConfig(_ images: [String], layout: String?, output: String = "out") throws -> String {
        try write(
            """
            model: \(Self.demoModel)
            input:
              images: [\(images.joined(separator: ", "))]\(layout.map { "\n  layout: \($0)" } ?? "")
            output:
              dir: \(output)
            runs:
              - visualizer: activations
                layers: [conv2d]
            """, to: "\(output).yaml")
    }

    private func writeArray(_ tensor: Tensor, _ name: String) throws {
        try tensor.writeNpy(to: folder.appendingPathComponent(name).path)
    }

    func testCHWArraysRunAsTheSameHWCArray() throws {
        var random = SeededGenerator(seed: 15_301)
        let image = random.tensor([150, 150, 3], 0, 1)
        try writeArray(image, "hwc.npy")
        let planes = image.permuted([2, 0, 1])
        try writeArray(planes, "chw.npy")
        try writeArray(planes.reshaped([1, 3, 150, 150]), "batch_chw.npy")
        let hwc = try vizrun([try arrayConfig(["hwc.npy"], layout: nil, output: "hwc"), "--quiet"])
        XCTAssertEqual(hwc.status, 0, hwc.stderr)
        let chw = try vizrun([try arrayConfig(["chw.npy", "batch_chw.npy"], layout: "chw", output: "chw"), "--quiet"])
        XCTAssertEqual(chw.status, 0, chw.stderr)
        let expected = try Tensor(npyFileAt: folder.appendingPathComponent("hwc/activations/hwc/conv2d.npy").path)
        XCTAssertEqual(expected.shape, [148, 148, 32])
        for id in ["chw", "batch_chw"] {
            let actual = try Tensor(npyFileAt: folder.appendingPathComponent("chw/activations/\(id)/conv2d.npy").path)
            XCTAssertEqual(actual, expected, id)
        }
        let manifest = try String(contentsOf: folder.appendingPathComponent("chw/manifest.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"shape\": [150, 150, 3]") || manifest.contains("\"shape\":[150,150,3]"), manifest)
    }

    /// Finite values whose span is no finite Float (as a damaged array may hold) are drawn as the
    /// input's picture like any others: the lowest black, the highest white, zero halfway.
    func testAnArraySpanningMoreThanTheFloatRangeIsDrawn() throws {
        var extremes = Tensor(zeros: [150, 150, 3])
        extremes.scalars[0] = -2e38
        extremes.scalars[1] = 2e38
        try writeArray(extremes, "extremes.npy")
        let result = try vizrun([try arrayConfig(["extremes.npy"], layout: nil), "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let picture = try Bitmap(contentsOfFile: folder.appendingPathComponent("out/inputs/extremes.png").path)
        XCTAssertEqual(Array(picture.pixels.prefix(4)), [0, 255, 127, 127])
    }

    /// A damaged header is quoted with its control characters escaped, so the error stays one line.
    func testAnArrayWhoseHeaderIsDamagedIsOneLine() throws {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (150,\n150, 3), }\n"
        var bytes = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0])
        bytes += Data(header.utf8) + Data(count: 150 * 150 * 3 * 4)
        let path = folder.appendingPathComponent("damaged.npy").path
        try bytes.write(to: URL(fileURLWithPath: path))
        try assertRefused(
            [try arrayConfig(["damaged.npy"], layout: nil)], at: path,
            "not a readable .npy array: cannot read shape '(150,\\n150, 3)'")
    }

    func testAnUnknownLayout() throws {
        try writeArray(Tensor(zeros: [3, 150, 150]), "chw.npy")
        let config = try arrayConfig(["chw.npy"], layout: "nchw")
        try assertRefused(
            [config], at: config + ":4:11",
            "unknown layout 'nchw' (known: hwc, chw); did you mean 'chw'? (at input.layout)", quoting: "  layout: nchw")
    }

    func testALayoutWithoutArrays() throws {
        let config = try arrayConfig([Self.demoImage], layout: "chw")
        try assertRefused(
            [config], at: config + ":4:11", "layout chw orders the axes of .npy inputs, and none is listed (at input.layout)",
            quoting: "  layout: chw")
    }

    func testAnArrayOfAnotherRank() throws {
        try writeArray(Tensor(zeros: [4, 5]), "flat.npy")
        let path = folder.appendingPathComponent("flat.npy").path
        try assertRefused(
            [try arrayConfig(["flat.npy"], layout: "chw")], at: path,
            "an .npy input with input.layout chw must be (C, H, W) or (1, C, H, W), got [4, 5]")
    }

    /// An array in the other axis order is named, with the setting that fixes it.
    func testAnArrayInTheOtherOrderSaysWhichLayoutFits() throws {
        try writeArray(Tensor(zeros: [3, 150, 150]), "chw.npy")
        try assertRefused(
            [try arrayConfig(["chw.npy"], layout: nil)], at: folder.appendingPathComponent("chw.npy").path,
            "the model takes inputs of shape (150, 150, 3), this array is [3, 150, 150]; it fits as (C, H, W): "
                + "set input.layout: chw")
        try writeArray(Tensor(zeros: [150, 150, 3]), "hwc.npy")
        try assertRefused(
            [try arrayConfig(["hwc.npy"], layout: "chw")], at: folder.appendingPathComponent("hwc.npy").path,
            "the model takes inputs of shape (150, 150, 3), this array is [150, 150, 3] as (C, H, W); it fits as "
                + "(H, W, C): leave input.layout out")
        try writeArray(Tensor(zeros: [3, 10, 12]), "small.npy")
        try assertRefused(
            [try arrayConfig(["small.npy"], layout: "chw")], at: folder.appendingPathComponent("small.npy").path,
            "the model takes inputs of shape (150, 150, 3), this array is [3, 10, 12] as (C, H, W) (arrays are not resized)")
    }
}
