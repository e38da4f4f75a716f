import VizCore

/// Convolutions beyond `Conv2D`, 1-D layers for models that mix them in, and global pooling.
extension KerasGraphBuilder {
    // MARK: - 2-D convolutions

    func addDepthwiseConv2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let input = try shape(of: single(inputs, layer), rank: 4, layer: layer, expecting: "(batch, height, width, channels)")
        let kernelSize = try options.pair("kernel_size")
        let multiplier = try options.int("depth_multiplier", default: 1)
        var stored = try weights.weights(ofLayer: layer.name)
        let kernel = try stored.take(
            anyOf: ["depthwise_kernel", "kernel"],
            shape: [kernelSize.0, kernelSize.1, input[3], multiplier])
        let bias =
            try options.bool("use_bias", default: true)
            ? try stored.take("bias", shape: [input[3] * multiplier]).scalars : nil
        try stored.requireAllTaken()
        let op = DepthwiseConv2DOp(
            kernel: kernel, bias: bias, strides: try options.pair("strides", default: (1, 1)),
            dilation: try options.pair("dilation_rate", default: (1, 1)),
            padding: try options.padding())
        return try addNodes(
            op, activation: try layer.options.activation(), inputs: inputs, layer: layer,
            parameterCount: stored.parameterCount)
    }

    func addSeparableConv2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let input = try shape(of: single(inputs, layer), rank: 4, layer: layer, expecting: "(batch, height, width, channels)")
        let kernelSize = try options.pair("kernel_size")
        let multiplier = try options.int("depth_multiplier", default: 1)
        let filters = try options.int("filters")
        var stored = try weights.weights(ofLayer: layer.name)
        let depthwise = try stored.take("depthwise_kernel", shape: [kernelSize.0, kernelSize.1, input[3], multiplier])
        let pointwise = try stored.take("pointwise_kernel", shape: [1, 1, input[3] * multiplier, filters])
        let bias = try options.bool("use_bias", default: true) ? try stored.take("bias", shape: [filters]).scalars : nil
        try stored.requireAllTaken()
        let op = SeparableConv2DOp(
            depthwiseKernel: depthwise, pointwiseKernel: pointwise, bias: bias,
            strides: try options.pair("strides", default: (1, 1)),
            dilation: try options.pair("dilation_rate", default: (1, 1)),
            padding: try options.padding())
        return try addNodes(
            op, activation: try layer.options.activation(), inputs: inputs, layer: layer,
            parameterCount: stored.parameterCount)
    }

    func addConv2DTranspose(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let input = try shape(of: single(inputs, layer), rank: 4, layer: layer, expecting: "(batch, height, width, channels)")
        let filters = try options.int("filters")
        let kernelSize = try options.pair("kernel_size")
        var stored = try weights.weights(ofLayer: layer.name)
        let kernel = try stored.take("kernel", shape: [kernelSize.0, kernelSize.1, filters, input[3]])
        let bias = try options.bool("use_bias", default: true) ? try stored.take("bias", shape: [filters]).scalars : nil
        try stored.requireAllTaken()
        let outputPadding = options.isSet("output_padding") ? try options.pair("output_padding") : nil
        let op = Conv2DTransposeOp(
            kernel: kernel, bias: bias, strides: try options.pair("strides", default: (1, 1)),
            dilation: try options.pair("dilation_rate", default: (1, 1)),
            padding: try options.padding(), outputPadding: outputPadding)
        return try addNodes(
            op, activation: try layer.options.activation(), inputs: inputs, layer: layer,
            parameterCount: stored.parameterCount)
    }

    // MARK: - 1-D layers, run as 2-D ones on images one row high

    func addConv1D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let input = try shape(of: single(inputs, layer), rank: 3, layer: layer, expecting: "(batch, steps, channels)")
        let groups = try options.int("groups", default: 1)
        guard groups == 1 else {
            throw options.error("is a grouped convolution (groups = \(groups)), which vizrun cannot run yet")
        }
        let filters = try options.int("filters")
        let kernelSize = try options.size("kernel_size")
        var stored = try weights.weights(ofLayer: layer.name)
        let kernel = try stored.take("kernel", shape: [kernelSize, input[2], filters])
        let bias = try options.bool("use_bias", default: true) ? try stored.take("bias", shape: [filters]).scalars : nil
        try stored.requireAllTaken()
        let conv = Conv2DOp(
            kernel: kernel.reshaped([1] + kernel.shape), bias: bias,
            strides: (1, try options.size("strides", default: 1)),
            dilation: (1, try options.size("dilation_rate", default: 1)), padding: try options.padding())
        return try addNodes(
            Lift1DOp(conv, kind: "Conv1D"), activation: try layer.options.activation(), inputs: inputs,
            layer: layer, parameterCount: stored.parameterCount)
    }

    func addPooling1D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        _ = try shape(of: single(inputs, layer), rank: 3, layer: layer, expecting: "(batch, steps, channels)")
        let poolSize = try options.size("pool_size", default: 2)
        let pool = Pool2DOp(
            layer.className == "MaxPooling1D" ? .max : .average, poolSize: (1, poolSize),
            strides: (1, try options.size("strides", default: poolSize)), padding: try options.padding())
        return try addWeightless(Lift1DOp(pool, kind: layer.className), layer, inputs: inputs)
    }

    // MARK: - Global pooling

    func addGlobalPooling(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let isMax = layer.className.hasPrefix("GlobalMax")
        let op = GlobalPoolOp(
            isMax ? .max : .average, keepDims: try options.bool("keepdims", default: false),
            kind: layer.className)
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }
}
