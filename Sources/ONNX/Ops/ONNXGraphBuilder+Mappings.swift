/// Every ONNX operator vizrun runs (default domain), and the mapping that builds it.
extension ONNXGraphBuilder {
    static let mappings: [String: Mapping] = {
        var table: [String: Mapping] = [
            "Conv": conv, "MaxPool": maxPool, "AveragePool": averagePool,
            "GlobalAveragePool": globalAveragePool, "GlobalMaxPool": globalMaxPool,
            "BatchNormalization": batchNormalization, "LayerNormalization": layerNormalization,
            "LeakyRelu": leakyRelu, "Elu": elu, "Gelu": gelu, "HardSigmoid": hardSigmoid, "Clip": clip,
            "Softmax": softmax, "Identity": passThrough, "Dropout": passThrough,
            "Add": arithmetic, "Sub": arithmetic, "Mul": arithmetic, "Div": arithmetic, "Gemm": gemm, "MatMul": matMul,
            "Flatten": flatten, "Reshape": reshape, "Concat": concat, "ReduceMean": reduce, "ReduceMax": reduce,
            "Transpose": transposeConstant, "Slice": slice, "Pad": pad, "Sum": variadic, "Mean": variadic, "Max": variadic,
            "Min": variadic,
            "PRelu": prelu, "Selu": selu, "Neg": neg, "LogSoftmax": softmax,
            "Constant": constant, "Shape": shape, "Gather": gather, "Unsqueeze": unsqueezeOrSqueeze,
            "Squeeze": unsqueezeOrSqueeze,
            "Cast": cast, "ConstantOfShape": constantOfShape,
        ]
        for name in plainActivations.keys { table[name] = activation }
        return table
    }()

    /// Operators vizrun will not run, with why, for the message that lists what a file lacks.
    static let refusals: [String: String] = {
        var reasons: [String: String] = [:]
        for name in [
            "QLinearConv", "QLinearMatMul", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
            "ConvInteger", "MatMulInteger", "QLinearAdd", "QLinearMul",
        ] {
            reasons[name] = "quantized graphs are not supported; export the float model"
        }
        for name in ["If", "Loop", "Scan"] { reasons[name] = "control flow is not supported" }
        return reasons
    }()
}
