import VizCore

/// Layers that move, pad, crop or resample values without weights.
extension KerasGraphBuilder {
    // MARK: - Reshaping

    func addReshape(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        guard let target = try layer.options.ints("target_shape") else {
            throw layer.options.error("lacks the option 'target_shape'")
        }
        return try addWeightless(ReshapeOp(itemShape: target), layer, inputs: [try single(inputs, layer)])
    }

    func addPermute(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        guard let dims = try layer.options.ints("dims") else { throw layer.options.error("lacks the option 'dims'") }
        return try addWeightless(PermuteOp(dims: dims), layer, inputs: [try single(inputs, layer)])
    }

    // MARK: - Padding and cropping

    func addZeroPadding2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try layer.options.requireChannelsLast()
        let sides = try layer.options.sides("padding")
        let op = Pad2DOp(top: sides.top, bottom: sides.bottom, left: sides.left, right: sides.right)
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    func addCropping2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        try layer.options.requireChannelsLast()
        let sides = try layer.options.sides("cropping")
        let op = Pad2DOp.cropping(top: sides.top, bottom: sides.bottom, left: sides.left, right: sides.right)
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    // MARK: - Resampling

    func addUpSampling2D(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        let factor = try options.pair("size", default: (2, 2))
        let op = Resize2DOp(
            .scale(Float(factor.0), Float(factor.1)), interpolation: try interpolation(options, default: "nearest"),
            kind: "UpSampling2D")
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    func addResizing(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        let options = layer.options
        try options.requireChannelsLast()
        for flag in ["crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias"] where try options.bool(flag, default: false) {
            throw options.error("sets \(flag), which vizrun cannot run yet")
        }
        let op = Resize2DOp(
            .fixed(try options.int("height"), try options.int("width")),
            interpolation: try interpolation(options, default: "bilinear"), kind: "Resizing")
        return try addWeightless(op, layer, inputs: [try single(inputs, layer)])
    }

    private func interpolation(_ options: KerasLayerOptions, default defaultName: String) throws -> Resize2DOp.Interpolation {
        let name = try options.string("interpolation", default: defaultName)
        guard let interpolation = Resize2DOp.Interpolation(rawValue: name) else {
            throw options.error("uses interpolation '\(name)'; vizrun supports 'nearest' and 'bilinear'")
        }
        return interpolation
    }
}
