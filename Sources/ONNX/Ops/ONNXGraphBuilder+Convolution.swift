import VizCore

/// Conv, ConvTranspose, MaxPool, AveragePool and the global poolings: ONNX's 2-D windows on
/// (N, C, H, W) images, run channels-last.
extension ONNXGraphBuilder {
    static func conv(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let (input, weight) = try builder.convolutionOperands(node, kind: "convolution")
        let channels = builder.graph.nodes[input].shape[3]
        let (filters, perGroup, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let groups = try node.int("group", default: 1)
        guard groups >= 1, groups <= channels, perGroup * groups == channels, filters % groups == 0 else {
            throw node.error(
                "has a weight of shape \(weight.shape) in \(groups) group(s), which does not fit an input of "
                    + "\(channels) channels")
        }
        let bias = try builder.constantInput(node, 2, "bias")?.floats
        guard bias == nil || bias!.count == filters else {
            throw node.error("has \(bias!.count) biases for \(filters) filters")
        }
        let window = try builder.window(of: node, kernel: (kernelHeight, kernelWidth), input: builder.graph.nodes[input].shape)
        let op: Op
        if groups == 1 {
            op = Conv2DOp(
                kernel: weight.tensor.permuted([2, 3, 1, 0]), bias: bias, strides: window.strides,
                dilation: window.dilation, padding: window.padding)
        } else if perGroup == 1 {
            // Output channel c · multiplier + m filters input channel c alone: a depthwise convolution.
            let kernel = weight.tensor.reshaped([channels, filters / channels, kernelHeight, kernelWidth]).permuted([2, 3, 0, 1])
            op = DepthwiseConv2DOp(
                kernel: kernel, bias: bias, strides: window.strides, dilation: window.dilation,
                padding: window.padding)
        } else {
            op = Conv2DOp(
                kernel: blockDiagonalKernel(weight, groups: groups), bias: bias, strides: window.strides,
                dilation: window.dilation, padding: window.padding)
        }
        return [.node(try builder.add(op, inputs: [input]), .channelsLast)]
    }

    /// A (transposed) convolution's image, channels-last, and its weight, which must be a non-empty 4-D tensor.
    private func convolutionOperands(_ node: ONNXNode, kind: String) throws -> (input: Int, weight: ConstantTensor) {
        let x = try dynamicInput(node)
        let weight = try requiredConstant(node, 1, "weight")
        guard weight.shape.count == 4 else {
            throw node.unsupported("is a \(weight.shape.count - 2)-D \(kind) (weight shape \(weight.shape))")
        }
        guard weight.count > 0 else { throw node.error("has an empty weight of shape \(weight.shape)") }
        return (try channelsLast(x.node, x.layout, for: node), weight)
    }

    /// A grouped weight (outer, inner, kh, kw), a convolution's (filters, in / groups, …) or a
    /// transposed one's (in, out / groups, …), as one (kh, kw, inner · groups, outer) kernel over all
    /// channels, zero between groups (HWIO for a convolution): exact, at the cost of a dense
    /// convolution's work.
    private static func blockDiagonalKernel(_ weight: ConstantTensor, groups: Int) -> Tensor {
        let (outer, inner, height, width) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let total = inner * groups
        let outerPerGroup = outer / groups
        let values = weight.floats
        var kernel = Tensor(zeros: [height, width, total, outer])
        for o in 0..<outer {
            let group = o / outerPerGroup
            for i in 0..<inner {
                for y in 0..<height {
                    for x in 0..<width {
                        kernel.scalars[((y * width + x) * total + group * inner + i) * outer + o] =
                            values[((o * inner + i) * height + y) * width + x]
                    }
                }
            }
        }
        return kernel
    }

    /// The weight is (in, out / groups, kh, kw); pads crop the full output, output_padding adds rows
    /// and columns at its end, and output_shape (or auto_pad SAME_*) sets its size instead of pads.
    static func convTranspose(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let (input, weight) = try builder.convolutionOperands(node, kind: "transposed convolution")
        let shape = builder.graph.nodes[input].shape
        let groups = try node.int("group", default: 1)
        guard groups >= 1, weight.shape[0] == shape[3], shape[3] % groups == 0 else {
            throw node.error(
                "has a weight of shape \(weight.shape) in \(groups) group(s), which does not fit an input of \(shape[3]) channels"
            )
        }
        let filters = weight.shape[1] * groups
        let bias = try builder.constantInput(node, 2, "bias")?.floats
        guard bias == nil || bias!.count == filters else { throw node.error("has \(bias!.count) biases for \(filters) filters") }
        let kernel = (weight.shape[2], weight.shape[3])
        let window = try builder.window(of: node, kernel: kernel, input: shape, autoPad: "NOTSET")
        let outputPadding = try node.ints("output_padding", count: 2, default: 0)
        let strides = [window.strides.0, window.strides.1]
        let dilations = [window.dilation.0, window.dilation.1]
        guard (0..<2).allSatisfy({ outputPadding[$0] >= 0 && outputPadding[$0] < max(strides[$0], dilations[$0]) }) else {
            throw node.error(
                "has output_padding \(outputPadding), which must be below the stride or dilation \(strides), \(dilations)")
        }
        var pads: ExplicitPadding
        if case .explicit(let given) = window.padding {
            pads = given
        } else {
            pads = ExplicitPadding(top: 0, left: 0, bottom: 0, right: 0)
        }
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        if autoPad == "VALID" { pads = ExplicitPadding(top: 0, left: 0, bottom: 0, right: 0) }
        let outputShape = try node.ints("output_shape")
        if outputShape != nil || autoPad.hasPrefix("SAME") {
            guard shape[1] > 0, shape[2] > 0 else {
                throw node.unsupported("sets its output size on an input whose size the file leaves open")
            }
            var totals: [Int] = []
            for axis in 0..<2 {
                let target = outputShape.map { Array($0.suffix(2)) }?[axis] ?? shape[axis + 1] * strides[axis]
                let full = (shape[axis + 1] - 1) * strides[axis] + ([kernel.0, kernel.1][axis] - 1) * dilations[axis] + 1
                totals.append(full + outputPadding[axis] - target)
            }
            guard outputShape.map({ $0.count >= 2 }) ?? true, totals.allSatisfy({ $0 >= 0 }) else {
                throw node.error(
                    "cannot make an output of \(outputShape ?? []) from an input of "
                        + ShapeCheck.describe(builder.onnxShape(input, .channelsLast)))
            }
            // SAME_UPPER puts the odd padding cell at the end; anything else at the start.
            let (ends, starts) =
                autoPad == "SAME_UPPER"
                ? (totals.map { $0 - $0 / 2 }, totals.map { $0 / 2 }) : (totals.map { $0 / 2 }, totals.map { $0 - $0 / 2 })
            pads = ExplicitPadding(top: starts[0], left: starts[1], bottom: ends[0], right: ends[1])
        }
        let op = Conv2DTransposeOp(
            kernel: blockDiagonalKernel(weight, groups: groups), bias: bias, strides: window.strides, dilation: window.dilation,
            padding: .explicit(pads), outputPadding: (outputPadding[0], outputPadding[1]))
        return [.node(try builder.add(op, inputs: [input]), .channelsLast)]
    }

    static func maxPool(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        if node.outputs.count > 1, !node.outputs[1].isEmpty {
            throw node.unsupported("also returns the indices of the maxima")
        }
        return try pool(.max, builder, node)
    }

    static func averagePool(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try pool(.average, builder, node)
    }

    /// A padded average that counts the padding cells (`count_include_pad = 1`) is zero padding
    /// first, then an average over the cells inside the padded input, which is also how PyTorch
    /// counts a ceil_mode window that runs past the padding.
    private static func pool(_ reduction: Pool2DOp.Reduction, _ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        var input = try builder.channelsLast(x.node, x.layout, for: node)
        guard let kernel = try node.ints("kernel_shape"), kernel.count == 2 else {
            throw node.unsupported("pools over other than two spatial axes (kernel_shape \(try node.ints("kernel_shape") ?? []))")
        }
        let ceilMode = try node.int("ceil_mode", default: 0) != 0
        var window = try builder.window(
            of: node, kernel: (kernel[0], kernel[1]), input: builder.graph.nodes[input].shape,
            ceilMode: ceilMode)
        guard window.dilation == (1, 1) else { throw node.unsupported("has dilations \(window.dilation)") }
        if reduction == .average, try node.int("count_include_pad", default: 0) != 0, window.isPadded {
            guard case .explicit(let pads) = window.padding else {
                throw node.unsupported("averages SAME_UPPER padding cells in (count_include_pad = 1)")
            }
            input = try builder.add(
                Pad2DOp(top: pads.top, bottom: pads.bottom, left: pads.left, right: pads.right, kind: "Pad"),
                inputs: [input], suffix: "padded")
            window.padding = .explicit(ExplicitPadding(top: 0, left: 0, bottom: 0, right: 0, ceilMode: ceilMode))
        }
        let op = Pool2DOp(reduction, poolSize: (kernel[0], kernel[1]), strides: window.strides, padding: window.padding)
        return [.node(try builder.add(op, inputs: [input]), .channelsLast)]
    }

    static func globalAveragePool(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try globalPool(.average, builder, node)
    }

    static func globalMaxPool(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        try globalPool(.max, builder, node)
    }

    private static func globalPool(_ reduction: Pool2DOp.Reduction, _ builder: ONNXGraphBuilder, _ node: ONNXNode) throws
        -> [Value]
    {
        let x = try builder.dynamicInput(node)
        let input = try builder.channelsLast(x.node, x.layout, for: node)
        let op = GlobalPoolOp(reduction, keepDims: true, kind: node.opType)
        return [.node(try builder.add(op, inputs: [input]), .channelsLast)]
    }

    // MARK: - Window attributes

    struct Window {
        var strides: (Int, Int)
        var dilation: (Int, Int)
        var padding: Padding
        /// Whether any padding cell is added (SAME may add none on a given input, but may on another).
        var isPadded: Bool
    }

    /// Strides, dilations and padding (`pads` or `auto_pad`) of a 2-D window over an NHWC input.
    func window(of node: ONNXNode, kernel: (Int, Int), input: [Int], ceilMode: Bool = false, autoPad: String? = nil) throws
        -> Window
    {
        let strides = try node.ints("strides", count: 2, default: 1)
        let dilations = try node.ints("dilations", count: 2, default: 1)
        // Bounded, so that no window arithmetic can overflow.
        let limit = 1 << 20
        guard kernel.0 > 0, kernel.1 > 0, kernel.0 <= limit, kernel.1 <= limit,
            (strides + dilations).allSatisfy({ $0 > 0 && $0 <= limit })
        else {
            throw node.error(
                "has a window of \(kernel), strides \(strides) and dilations \(dilations); "
                    + "each must be positive and at most \(limit)")
        }
        let autoPad = try autoPad ?? node.string("auto_pad", default: "NOTSET")
        var pads: [Int]
        switch autoPad {
        case "NOTSET":
            pads = try node.ints("pads", count: 4, default: 0)
            guard pads.allSatisfy({ $0 >= 0 }) else { throw node.unsupported("has negative pads \(pads)") }
            guard pads.allSatisfy({ $0 <= limit }) else { throw node.error("has pads \(pads), more than \(limit)") }
        case "VALID":
            pads = [0, 0, 0, 0]
        case "SAME_UPPER":
            // TensorFlow's SAME: the odd padding cell goes last, whatever the input size.
            return Window(
                strides: (strides[0], strides[1]), dilation: (dilations[0], dilations[1]), padding: .same,
                isPadded: true)
        case "SAME_LOWER":
            // The odd padding cell goes first: the input size decides where the windows fall.
            guard input[1] > 0, input[2] > 0 else {
                throw node.unsupported("pads SAME_LOWER on an input of unknown size; set the model's input size")
            }
            pads = [0, 0, 0, 0]
            for axis in 0..<2 {
                let size = input[axis + 1]
                let stride = strides[axis]
                let effective = ((axis == 0 ? kernel.0 : kernel.1) - 1) * dilations[axis] + 1
                let total = max(((size + stride - 1) / stride - 1) * stride + effective - size, 0)
                (pads[axis], pads[axis + 2]) = (total - total / 2, total / 2)
            }
        default:
            throw node.error("has auto_pad '\(autoPad)'; ONNX defines NOTSET, SAME_UPPER, SAME_LOWER and VALID")
        }
        let padding: Padding =
            pads == [0, 0, 0, 0] && !ceilMode
            ? .valid
            : .explicit(ExplicitPadding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3], ceilMode: ceilMode))
        return Window(
            strides: (strides[0], strides[1]), dilation: (dilations[0], dilations[1]), padding: padding,
            isPadded: pads != [0, 0, 0, 0])
    }
}
