import VizCore
import VizTesting
import XCTest

/// The engine pieces ONNX models need: padding given as counts (with pooling's ceil_mode), Clip,
/// the broadcasting Add merge, and layers found by an alias.
final class ExplicitPaddingOpTests: XCTestCase {
    private func pads(_ top: Int, _ left: Int, _ bottom: Int, _ right: Int, ceil: Bool = false) -> Padding {
        .explicit(ExplicitPadding(top: top, left: left, bottom: bottom, right: right, ceilMode: ceil))
    }

    /// A convolution padded by counts equals zero padding followed by a valid convolution, on oneDNN
    /// and on the reference path, and passes the finite-difference check.
    func testConvolutionWithExplicitPaddingMatchesPaddingFirst() throws {
        var random = SeededGenerator(seed: 15_001)
        let kernel = random.tensor([3, 2, 3, 4])
        let bias = random.tensor([4]).scalars
        let x = random.tensor([2, 7, 6, 3])
        let padded = Conv2DOp(kernel: kernel, bias: bias, strides: (2, 1), padding: pads(2, 1, 0, 3))
        let padFirst = Pad2DOp(top: 2, bottom: 0, left: 1, right: 3).forward([x])
        let expected = Conv2DOp(kernel: kernel, bias: bias, strides: (2, 1), padding: .valid).forward([padFirst])
        XCTAssertEqual(try padded.outputShape(for: [x.shape]), expected.shape)
        assertClose(padded.forward([x]), expected, tolerance: 1e-5)
        checkGradients(padded, [x])
        let depthwise = DepthwiseConv2DOp(
            kernel: random.tensor([3, 3, 3, 2]), bias: nil, dilation: (2, 1), padding: pads(1, 0, 3, 2))
        checkGradients(depthwise, [random.tensor([1, 6, 5, 3])])
    }

    /// PyTorch's pooling geometry: 5 cells, window 2, stride 2: 2 windows, 3 with ceil_mode; with
    /// padding 1 and ceil_mode the last window may not start in the trailing padding alone.
    func testPoolingCeilModeFollowsPyTorch() throws {
        func size(_ n: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int, ceil: Bool) throws -> Int {
            try Pool2DOp(.max, poolSize: (k, 1), strides: (s, 1), padding: pads(before, 0, after, 0, ceil: ceil))
                .outputShape(for: [[1, n, 1, 1]])[1]
        }
        XCTAssertEqual(try size(5, 2, 2, 0, 0, ceil: false), 2)
        XCTAssertEqual(try size(5, 2, 2, 0, 0, ceil: true), 3)
        XCTAssertEqual(try size(16, 3, 2, 1, 1, ceil: true), 9)
        XCTAssertEqual(try size(4, 2, 2, 1, 1, ceil: true), 3) // a 4th window would start in the padding
        // The average of a window that runs past the input counts only the cells inside it.
        let x = Tensor(shape: [1, 1, 5, 1], scalars: [1, 2, 3, 4, 5])
        let average = Pool2DOp(.average, poolSize: (1, 2), strides: (1, 2), padding: pads(0, 0, 0, 0, ceil: true))
        XCTAssertEqual(average.forward([x]).scalars, [1.5, 3.5, 5])
    }

    func testPoolingWithExplicitPaddingGradients() {
        var random = SeededGenerator(seed: 15_002)
        for reduction in [Pool2DOp.Reduction.max, .average] {
            let op = Pool2DOp(reduction, poolSize: (3, 2), strides: (2, 2), padding: pads(1, 1, 1, 0, ceil: true))
            checkGradients(op, [random.distinctTensor([2, 7, 6, 3])], "\(reduction)")
        }
    }

    func testClipForwardAndGradients() {
        let clip = ClipOp(minimum: -0.5, maximum: 6)
        XCTAssertEqual(clip.forward([Tensor(shape: [1, 4], scalars: [-2, -0.25, 3, 7])]).scalars, [-0.5, -0.25, 3, 6])
        var random = SeededGenerator(seed: 15_003)
        // Values well away from the bounds, where the derivative is defined.
        let x = Tensor(
            shape: [2, 3, 4, 2],
            scalars: random.tensor([2, 3, 4, 2], -1.5, 8).scalars.map { abs($0 + 0.5) < 0.05 ? $0 + 0.2 : $0 })
        checkGradients(clip, [x])
    }

    func testBroadcastingAddGradients() throws {
        var random = SeededGenerator(seed: 15_004)
        let add = ElementwiseMergeOp(.add)
        XCTAssertEqual(try add.outputShape(for: [[2, 4, 5, 3], [2, 1, 1, 3]]), [2, 4, 5, 3])
        checkGradients(add, [random.tensor([2, 4, 5, 3]), random.tensor([2, 1, 1, 3])])
    }

    func testLayersAreFoundByAliasUnderTheNameAsked() throws {
        let graph = Graph()
        let input = try graph.add("input", InputOp(shape: [-1, 4]))
        let relu = try graph.add("/layer4/layer4.1/relu_1/Relu", ActivationOp(.relu), inputs: [input])
        let model = Model(
            graph: graph,
            layers: [
                Model.Layer(name: "input", className: "Input", outputNode: input, inputLayers: [], parameterCount: 0),
                Model.Layer(
                    name: "/layer4/layer4.1/relu_1/Relu", className: "Relu", outputNode: relu, inputLayers: ["input"],
                    parameterCount: 0, aliases: ["layer4", "layer4.1"]),
            ], outputLayers: ["/layer4/layer4.1/relu_1/Relu"], path: "m.onnx", loaderName: "onnx")
        let layer = try model.requireLayer("layer4.1")
        XCTAssertEqual(layer.name, "layer4.1")
        XCTAssertEqual(layer.outputNode, relu)
        XCTAssertThrowsError(try model.requireLayer("layer4.2")) { error in
            XCTAssertEqual((error as? VizError)?.message, "no layer named 'layer4.2' in m.onnx; did you mean 'layer4.1'?")
        }
    }
}
