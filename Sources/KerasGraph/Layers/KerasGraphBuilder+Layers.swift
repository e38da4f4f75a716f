import VizCore

/// The Keras layer classes vizrun runs, each turned into graph nodes with its weights checked.
extension KerasGraphBuilder {
    typealias NodeBuilder = (KerasGraphBuilder) -> (KerasModelConfig.Layer, [Int]) throws -> BuiltLayer

    /// Keras class name → how to add it. Layers that only act while training run as identities.
    static let nodeBuilders: [String: NodeBuilder] = [
        "InputLayer": KerasGraphBuilder.addInput,
        "Dense": KerasGraphBuilder.addDense,
        "Flatten": KerasGraphBuilder.addFlatten,
        "Activation": KerasGraphBuilder.addActivation,
        "Identity": KerasGraphBuilder.addIdentity,
        "Dropout": KerasGraphBuilder.addIdentity,
        "SpatialDropout1D": KerasGraphBuilder.addIdentity,
        "SpatialDropout2D": KerasGraphBuilder.addIdentity,
        "SpatialDropout3D": KerasGraphBuilder.addIdentity,
        "GaussianNoise": KerasGraphBuilder.addIdentity,
        "GaussianDropout": KerasGraphBuilder.addIdentity,
        "AlphaDropout": KerasGraphBuilder.addIdentity,
        "ActivityRegularization": KerasGraphBuilder.addIdentity,
        // Merging
        "Add": KerasGraphBuilder.addAdd,
        "Subtract": KerasGraphBuilder.addElementwiseMerge,
        "Multiply": KerasGraphBuilder.addElementwiseMerge,
        "Average": KerasGraphBuilder.addElementwiseMerge,
        "Maximum": KerasGraphBuilder.addElementwiseMerge,
        "Minimum": KerasGraphBuilder.addElementwiseMerge,
        "Concatenate": KerasGraphBuilder.addConcatenate,
        // Convolution and pooling (the 2-D basics here, the rest in KerasGraphBuilder+ConvolutionLayers.swift)
        "Conv2D": KerasGraphBuilder.addConv2D,
        "DepthwiseConv2D": KerasGraphBuilder.addDepthwiseConv2D,
        "SeparableConv2D": KerasGraphBuilder.addSeparableConv2D,
        "Conv2DTranspose": KerasGraphBuilder.addConv2DTranspose,
        "Conv1D": KerasGraphBuilder.addConv1D,
        "MaxPooling2D": KerasGraphBuilder.addPooling,
        "AveragePooling2D": KerasGraphBuilder.addPooling,
        "MaxPooling1D": KerasGraphBuilder.addPooling1D,
        "AveragePooling1D": KerasGraphBuilder.addPooling1D,
        "GlobalAveragePooling1D": KerasGraphBuilder.addGlobalPooling,
        "GlobalAveragePooling2D": KerasGraphBuilder.addGlobalPooling,
        "GlobalMaxPooling1D": KerasGraphBuilder.addGlobalPooling,
        "GlobalMaxPooling2D": KerasGraphBuilder.addGlobalPooling,
        // Normalisation and preprocessing (KerasGraphBuilder+NormalizationLayers.swift)
        "BatchNormalization": KerasGraphBuilder.addBatchNormalization,
        "LayerNormalization": KerasGraphBuilder.addLayerNormalization,
        "Normalization": KerasGraphBuilder.addNormalization,
        "Rescaling": KerasGraphBuilder.addRescaling,
        // Shapes and resampling (KerasGraphBuilder+ShapeLayers.swift)
        "Reshape": KerasGraphBuilder.addReshape,
        "Permute": KerasGraphBuilder.addPermute,
        "ZeroPadding2D": KerasGraphBuilder.addZeroPadding2D,
        "Cropping2D": KerasGraphBuilder.addCropping2D,
        "UpSampling2D": KerasGraphBuilder.addUpSampling2D,
        "Resizing": KerasGraphBuilder.addResizing,
        // Activation layers (KerasGraphBuilder+ActivationLayers.swift)
        "ReLU": KerasGraphBuilder.addReLU,
        "LeakyReLU": KerasGraphBuilder.addLeakyReLU,
        "ThresholdedReLU": KerasGraphBuilder.addThresholdedReLU,
        "ELU": KerasGraphBuilder.addELU,
        "PReLU": KerasGraphBuilder.addPReLU,
        "Softmax": KerasGraphBuilder.addSoftmax,
        // tf.keras's wrapper of a TensorFlow function: runs only as arithmetic
        // (KerasGraphBuilder+Operations.swift), anything else is refused.
        "TFOpLambda": KerasGraphBuilder.addTFOpLambda,
        // Defined by Keras Applications themselves (KerasGraphBuilder+ApplicationLayers.swift)
        "LayerScale": KerasGraphBuilder.addLayerScale,
    ]

    func unsupported(_ layer: KerasModelConfig.Layer) -> VizError {
        VizError(
            "layer '\(layer.path)' has class '\(layer.className)', which vizrun cannot run; "
                + "a layer plugin can add it (see Docs/plugins.md)", at: location)
    }

    // MARK: - Layers

    private func addInput(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        // Keras 1/2 write `batch_input_shape`; Keras 3 writes `batch_shape`.
        guard let shape = try layer.options.shape("batch_input_shape") ?? layer.options.shape("batch_shape"),
            !shape.isEmpty
        else {
            throw layer.options.error(
                "declares no input shape (batch_input_shape or batch_shape); "
                    + "was the model saved before it was built?")
        }
        return try addNodes(InputOp(shape: shape), activation: .linear, inputs: [], layer: layer, parameterCount: 0)
    }

    private func addConv2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let input = try shape(
            of: single(inputs, layer), rank: 4, layer: layer,
            expecting: "(batch, height, width, channels)")
        let groups = try options.int("groups", default: 1)
        // One group per input channel is a depthwise convolution (ConvNeXt writes its depthwise
        // convolutions this way); other groupings vizrun cannot run.
        guard groups == 1 || groups == input[3] else {
            throw options.error("is a grouped convolution (groups = \(groups)), which vizrun cannot run yet")
        }
        let filters = try options.int("filters")
        let kernelSize = try options.pair("kernel_size")
        var stored = try weights.weights(ofLayer: layer.name)
        let kernel = try stored.take("kernel", shape: [kernelSize.0, kernelSize.1, input[3] / groups, filters])
        let bias = try options.bool("use_bias", default: true) ? try stored.take("bias", shape: [filters]).scalars : nil
        try stored.requireAllTaken()
        let strides = try options.pair("strides", default: (1, 1))
        let dilation = try options.pair("dilation_rate", default: (1, 1))
        let op: Op
        if groups == 1 {
            op = Conv2DOp(kernel: kernel, bias: bias, strides: strides, dilation: dilation, padding: try options.padding())
        } else {
            guard filters % groups == 0 else {
                throw options.error("has \(filters) filters, not a multiple of its \(groups) groups")
            }
            // Filter f of group c is output channel c·M + m, the depthwise order: the (kh, kw, 1, C·M)
            // kernel is the depthwise (kh, kw, C, M) one.
            let depthwise = kernel.reshaped([kernelSize.0, kernelSize.1, groups, filters / groups])
            op = DepthwiseConv2DOp(
                kernel: depthwise, bias: bias, strides: strides, dilation: dilation,
                padding: try options.padding())
        }
        return try addNodes(
            op, activation: try layer.options.activation(), inputs: inputs, layer: layer,
            parameterCount: stored.parameterCount)
    }

    private func addDense(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        let input = graph.nodes[try single(inputs, layer)].shape
        let units = try options.int("units")
        var stored = try weights.weights(ofLayer: layer.name)
        let kernel = try stored.take("kernel", shape: [input.last ?? -1, units])
        let bias = try options.bool("use_bias", default: true) ? try stored.take("bias", shape: [units]).scalars : nil
        try stored.requireAllTaken()
        return try addNodes(
            DenseOp(kernel: kernel, bias: bias), activation: try layer.options.activation(), inputs: inputs,
            layer: layer, parameterCount: stored.parameterCount)
    }

    private func addPooling(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let poolSize = try options.pair("pool_size", default: (2, 2))
        let op = Pool2DOp(
            layer.className == "MaxPooling2D" ? .max : .average, poolSize: poolSize,
            strides: try options.pair("strides", default: poolSize), padding: try options.padding())
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    private func addFlatten(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try layer.options.requireChannelsLast()
        return try addWeightless(ReshapeOp.flatten(), layer, inputs: [try single(inputs, layer)])
    }

    private func addActivation(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(ActivationOp(try layer.options.activation()), layer, inputs: [try single(inputs, layer)])
    }

    private func addAdd(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(AddOp(), layer, inputs: inputs)
    }

    private func addElementwiseMerge(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(
            ElementwiseMergeOp(ElementwiseMergeOp.Operation(rawValue: layer.className)!), layer,
            inputs: inputs)
    }

    private func addConcatenate(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(ConcatenateOp(axis: try layer.options.int("axis", default: -1)), layer, inputs: inputs)
    }

    private func addIdentity(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try addWeightless(IdentityOp(kind: layer.className), layer, inputs: [try single(inputs, layer)])
    }

    // MARK: - Helpers

    /// A layer without weights; the file must not store any for it either.
    func addWeightless(_ op: Op, _ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try weights.weights(ofLayer: layer.name).requireAllTaken()
        return try addNodes(op, activation: .linear, inputs: inputs, layer: layer, parameterCount: 0)
    }

    func single(_ inputs: [Int], _ layer: KerasModelConfig.Layer) throws -> Int {
        guard inputs.count == 1 else {
            throw layer.options.error("(\(layer.className)) takes one input, got \(inputs.count)")
        }
        return inputs[0]
    }

    /// The inferred shape of a node (batch axis included), after checking its rank.
    func shape(
        of node: Int, rank: Int, layer: KerasModelConfig.Layer,
        expecting meaning: String
    ) throws -> [Int] {
        let shape = graph.nodes[node].shape
        guard shape.count == rank else {
            throw VizError(
                "layer '\(layer.name)' (\(layer.className)) needs a \(rank)-D input \(meaning), "
                    + "got one of rank \(shape.count)", at: location)
        }
        return shape
    }
}
