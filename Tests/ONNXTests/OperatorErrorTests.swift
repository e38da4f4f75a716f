import Foundation
import VizCore
import VizTesting
import XCTest

@testable import ONNX

/// Each refusal of an operator's mapping, on a graph written for it: one line naming the file, the
/// node and what vizrun cannot do with it.
final class OperatorErrorTests: TemporaryFolderTestCase {
    private func assertRefused(
        _ message: String, opset: Int64 = 19, input: [Int64] = [1, 4, 6, 6], file: StaticString = #filePath,
        line: UInt = #line, _ build: (inout HandWrittenGraph) -> Void
    ) throws {
        var graph = HandWrittenGraph(opset: opset, input: input)
        build(&graph)
        let path = try write(try graph.data())
        XCTAssertEqual(loadError(path, file: file, line: line), VizError(message, at: path), file: file, line: line)
    }

    private let cannot = ", which vizrun cannot run yet"

    func testPadRefusals() throws {
        try assertRefused("node 'p' (Pad) pads in mode 'mirror'" + cannot) { graph in
            graph.constant("pads", [8], integers: [0, 0, 1, 1, 0, 0, 1, 1])
            graph.node("Pad", ["x", "pads"], name: "p", [.string("mode", "mirror")])
        }
        try assertRefused(
            "node 'p' (Pad) pads [0, 0, 1, 1, 0, 0, 1, 1] with 1.5 (vizrun pads an image's height and width, with zeros "
                + "or copies of its cells)" + cannot
        ) { graph in
            graph.constant("pads", [8], integers: [0, 0, 1, 1, 0, 0, 1, 1])
            graph.constant("value", [], floats: [1.5])
            graph.node("Pad", ["x", "pads", "value"], name: "p")
        }
        try assertRefused("node 'p' (Pad) has pads [1, 1] for axes [2, 3] of a rank-4 value") { graph in
            graph.constant("pads", [2], integers: [1, 1])
            graph.constant("axes", [2], integers: [2, 3])
            graph.node("Pad", ["x", "pads", "", "axes"], name: "p", [.string("mode", "edge")])
        }
    }

    func testResizeRefusals() throws {
        func resize(_ attributes: [HandWrittenGraph.Attribute], scales: [Float] = [1, 1, 2, 2]) -> (inout HandWrittenGraph) ->
            Void
        {
            { graph in
                graph.constant("scales", [Int64(scales.count)], floats: scales)
                graph.node("Resize", ["x", "", "scales"], name: "r", attributes)
            }
        }
        try assertRefused("node 'r' (Resize) interpolates in mode 'cubic'" + cannot, resize([.string("mode", "cubic")]))
        try assertRefused(
            "node 'r' (Resize) maps coordinates by 'half_pixel_symmetric'" + cannot,
            resize([.string("coordinate_transformation_mode", "half_pixel_symmetric")]))
        try assertRefused(
            "node 'r' (Resize) has nearest_mode 'nearest'; ONNX defines round_prefer_floor, round_prefer_ceil, floor and ceil",
            resize([.string("nearest_mode", "nearest")]))
        try assertRefused("node 'r' (Resize) resizes with antialiasing" + cannot, resize([.int("antialias", 1)]))
        try assertRefused(
            "node 'r' (Resize) keeps the aspect ratio ('not_larger')" + cannot,
            resize([.string("keep_aspect_ratio_policy", "not_larger")]))
        try assertRefused(
            "node 'r' (Resize) has axes [2] for scales [2.0, 2.0] or sizes []", resize([.ints("axes", [2])], scales: [2, 2]))
        try assertRefused(
            "node 'r' (Resize) resizes by scales [1.0, 2.0, 1.0, 1.0] (vizrun resizes an image's height and width, by "
                + "positive scales or sizes)" + cannot, resize([], scales: [1, 2, 1, 1]))
        try assertRefused(
            "node 'r' (Resize) resizes (1, 4, 6, 6) to [1, 8, 6, 6] (vizrun resizes an image's height and width)" + cannot
        ) { graph in
            graph.constant("sizes", [4], integers: [1, 8, 6, 6])
            graph.node("Resize", ["x", "", "", "sizes"], name: "r")
        }
        try assertRefused("node 'r' (Resize) upsamples one axis and downsamples the other" + cannot, opset: 10) { graph in
            graph.constant("scales", [4], floats: [1, 1, 2, 0.5])
            graph.node("Resize", ["x", "scales"], name: "r")
        }
    }

    func testIndexingRefusals() throws {
        try assertRefused("node 's' (Split) splits an axis of 4 into parts of [2, 3] for 2 outputs") { graph in
            graph.constant("split", [2], integers: [2, 3])
            graph.node("Split", ["x", "split"], name: "s", outputs: 2, [.int("axis", 1)])
        }
        try assertRefused("node 's' (Split) splits an axis of 4 into 3 equal parts", opset: 13) { graph in
            graph.node("Split", ["x"], name: "s", outputs: 3, [.int("axis", 1)])
        }
        try assertRefused("node 'g' (Gather) gathers index 9 from an axis of 4") { graph in
            graph.constant("indices", [1], integers: [9])
            graph.node("Gather", ["x", "indices"], name: "g", [.int("axis", 1)])
        }
        try assertRefused("node 'g' (Gather) picks positions [0, 0] along the batch axis" + cannot) { graph in
            graph.constant("indices", [2], integers: [0, 0])
            graph.node("Gather", ["x", "indices"], name: "g")
        }
        try assertRefused(
            "node 's' (Slice) picks along axis 2 of (1, 4, None, 6), a size the file leaves open" + cannot, input: [1, 4, -1, 6]
        ) {
            graph in
            graph.constant("starts", [1], integers: [1])
            graph.constant("ends", [1], integers: [3])
            graph.constant("axes", [1], integers: [2])
            graph.node("Slice", ["x", "starts", "ends", "axes"], name: "s")
        }
    }

    func testShapeRefusals() throws {
        try assertRefused("node 'r' (ReduceSum) reduces over axes [0, 1] of a rank-4 value (the batch axis stays apart)" + cannot)
        {
            graph in
            graph.constant("axes", [2], integers: [0, 1])
            graph.node("ReduceSum", ["x", "axes"], name: "r")
        }
        try assertRefused("node 'r' (ReduceMax) reduces over every axis of a rank-4 value (the batch axis stays apart)" + cannot)
        {
            graph in
            graph.node("ReduceMax", ["x"], name: "r")
        }
        try assertRefused("node 'a' (ArgMax) searches axis 0 of a rank-4 value (the batch axis stays apart)" + cannot) { graph in
            graph.node("ArgMax", ["x"], name: "a")
        }
        try assertRefused("node 'a' (ArgMin) searches axis -5 of a rank-4 value (the batch axis stays apart)" + cannot) { graph in
            graph.node("ArgMin", ["x"], name: "a", [.int("axis", -5)])
        }
        try assertRefused("node 'r' (Reshape) reshapes the 144 values of (1, 4, 6, 6) to [7]") { graph in
            graph.constant("shape", [1], integers: [7])
            graph.node("Reshape", ["x", "shape"], name: "r")
        }
        try assertRefused(
            "node 'relu' (Relu) reads 'flat', reshaped across the batch axis (only Reshape and Gather give the batch its "
                + "axis back)" + cannot
        ) { graph in
            graph.constant("shape", [1], integers: [-1])
            graph.node("Reshape", ["x", "shape"], name: "flat")
            graph.node("Relu", ["flat"], name: "relu")
        }
        try assertRefused(
            "node 'm' (MatMul): MatMul needs two inputs of equal rank, 3 or more (batch included), got (1, 4, 6, 6) and (1, 24, 6)"
        ) { graph in
            graph.constant("shape", [3], integers: [1, 24, 6])
            graph.node("Reshape", ["x", "shape"], name: "flat")
            graph.node("MatMul", ["x", "flat"], name: "m")
        }
    }

    func testConvTransposeRefusals() throws {
        func transposed(
            _ weight: [Int64], bias: Int64? = nil, _ attributes: [HandWrittenGraph.Attribute] = []
        ) -> (inout HandWrittenGraph) -> Void {
            { graph in
                graph.constant("w", weight, floats: [Float](repeating: 0.5, count: Int(weight.reduce(1, *))))
                if let bias { graph.constant("b", [bias], floats: [Float](repeating: 0, count: Int(bias))) }
                graph.node("ConvTranspose", ["x", "w"] + (bias == nil ? [] : ["b"]), name: "t", attributes)
            }
        }
        try assertRefused(
            "node 't' (ConvTranspose) is a 1-D transposed convolution (weight shape [4, 2, 3])" + cannot, transposed([4, 2, 3]))
        try assertRefused(
            "node 't' (ConvTranspose) has a weight of shape [3, 2, 3, 3] in 1 group(s), which does not fit an input of 4 channels",
            transposed([3, 2, 3, 3]))
        try assertRefused("node 't' (ConvTranspose) has 3 biases for 2 filters", transposed([4, 2, 3, 3], bias: 3))
        try assertRefused(
            "node 't' (ConvTranspose) has output_padding [2, 0], which must be below the stride or dilation [2, 2], [1, 1]",
            transposed([4, 2, 3, 3], [.ints("strides", [2, 2]), .ints("output_padding", [2, 0])]))
        try assertRefused(
            "node 't' (ConvTranspose) cannot make an output of [20, 20] from an input of (1, 4, 6, 6)",
            transposed([4, 2, 3, 3], [.ints("output_shape", [20, 20])]))
        try assertRefused(
            "node 't' (ConvTranspose) sets its output size on an input whose size the file leaves open" + cannot,
            input: [1, 4, -1, -1], transposed([4, 2, 3, 3], [.string("auto_pad", "SAME_UPPER")]))
    }

    func testNormalizationAndArithmeticRefusals() throws {
        try assertRefused("node 'n' (InstanceNormalization) has a scale of 3 values for 4 channels") { graph in
            graph.constant("scale", [3], floats: [1, 1, 1])
            graph.constant("bias", [4], floats: [0, 0, 0, 0])
            graph.node("InstanceNormalization", ["x", "scale", "bias"], name: "n")
        }
        try assertRefused("node 'p' (Pow) raises to a power of shape [2], not one exponent" + cannot) { graph in
            graph.constant("exponent", [2], floats: [2, 3])
            graph.node("Pow", ["x", "exponent"], name: "p")
        }
        try assertRefused("node 'p' (Pow) computes its exponent (input 2) at run time" + cannot) { graph in
            graph.node("Pow", ["x", "x"], name: "p")
        }
    }
}
