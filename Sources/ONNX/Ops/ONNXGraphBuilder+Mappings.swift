/// Every ONNX operator vizrun runs (default domain), and the mapping that builds it.
extension ONNXGraphBuilder {
    static let mappings: [String: Mapping] = {
        var table: [String: Mapping] = [
            "Conv": conv, "ConvTranspose": convTranspose, "MaxPool": maxPool, "AveragePool": averagePool,
            "GlobalAveragePool": globalAveragePool, "GlobalMaxPool": globalMaxPool,
            "BatchNormalization": batchNormalization, "LayerNormalization": layerNormalization,
            "InstanceNormalization": instanceNormalization,
            "LeakyRelu": leakyRelu, "Elu": elu, "Gelu": gelu, "HardSigmoid": hardSigmoid, "Clip": clip,
            "Softmax": softmax, "LogSoftmax": softmax, "Identity": passThrough, "Dropout": passThrough,
            "PRelu": prelu, "Selu": selu, "Neg": neg,
            "Add": arithmetic, "Sub": arithmetic, "Mul": arithmetic, "Div": arithmetic, "Pow": pow,
            "Sum": variadic, "Mean": variadic, "Max": variadic, "Min": variadic, "Gemm": gemm, "MatMul": matMul,
            "Flatten": flatten, "Reshape": reshape, "Concat": concat, "Transpose": transposeConstant,
            "Squeeze": unsqueezeOrSqueeze, "Unsqueeze": unsqueezeOrSqueeze,
            "ReduceMean": reduce, "ReduceMax": reduce, "ReduceMin": reduce, "ReduceSum": reduce,
            "ArgMax": argExtremum, "ArgMin": argExtremum,
            "Slice": slice, "Gather": gather, "Split": split,
            "Pad": pad, "Resize": resize, "Upsample": upsample,
            "Constant": constant, "Shape": shape, "Cast": cast, "ConstantOfShape": constantOfShape,
        ]
        for name in plainActivations.keys { table[name] = activation }
        for name in mathFunctions.keys { table[name] = mathFunction }
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
