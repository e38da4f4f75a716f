import VizCore

/// Arithmetic that Keras records as graph entries of their own: Keras 3 keeps `x + 3.0` as an
/// `Add` operation called with `[x, 3.0]`, tf.keras as a `TFOpLambda` whose `function` is
/// `__operators__.add` and whose keyword `y` is 3.0 (MobileNetV3's hard sigmoid) or a tensor.
extension KerasGraphBuilder {
    enum ArithmeticOperation {
        case add, subtract, multiply, divide

        /// By Keras 3 operation class, or by the TensorFlow function a TFOpLambda names.
        init?(_ layer: KerasModelConfig.Layer) {
            let name =
                layer.className == "TFOpLambda"
                ? (layer.options.values["function"] as? String ?? "")
                : layer.className
            switch name {
            case "Add", "__operators__.add", "math.add": self = .add
            case "Subtract", "math.subtract": self = .subtract
            case "Multiply", "math.multiply": self = .multiply
            case "Divide", "TrueDivide", "math.truediv", "math.divide": self = .divide
            default: return nil
            }
        }
    }

    /// Whether the layer is arithmetic between its one input and a number that vizrun runs.
    static func isScalarOperation(_ layer: KerasModelConfig.Layer) -> Bool {
        layer.calls.first?.scalarOperand != nil && ArithmeticOperation(layer) != nil
    }

    /// A tf.keras `TFOpLambda`: arithmetic with a number, or between two tensors (ConvNeXt's
    /// residual `inputs + x`, recorded as `__operators__.add` with the keyword `y` a tensor).
    func addTFOpLambda(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        if layer.calls.first?.scalarOperand != nil { return try addScalarOperation(layer, inputs: inputs) }
        guard inputs.count == 2, let operation = ArithmeticOperation(layer) else {
            let function = layer.options.values["function"] as? String ?? "an unnamed function"
            throw VizError(
                "layer '\(layer.path)' is a TFOpLambda calling \(function) on \(inputs.count) tensor(s), which "
                    + "vizrun cannot run; a layer plugin can add it (see Docs/plugins.md)", at: location)
        }
        switch operation {
        case .add: return try addWeightless(AddOp(), layer, inputs: inputs)
        case .subtract: return try addWeightless(ElementwiseMergeOp(.subtract), layer, inputs: inputs)
        case .multiply: return try addWeightless(ElementwiseMergeOp(.multiply), layer, inputs: inputs)
        case .divide: throw layer.options.error("divides one tensor by another, which vizrun cannot run yet")
        }
    }

    /// `x ∘ c` (or `c ∘ x`) as an affine map `x · scale + offset`.
    func addScalarOperation(_ layer: KerasModelConfig.Layer, inputs: [Int]) throws -> BuiltLayer {
        guard let operand = layer.calls.first?.scalarOperand, let operation = ArithmeticOperation(layer) else {
            throw unsupported(layer)
        }
        let input = graph.nodes[try single(inputs, layer)].shape
        let c = operand.value
        let numberFirst = operand.position == 0
        let (scale, offset): (Float, Float)
        switch operation {
        case .add: (scale, offset) = (1, c)
        case .subtract: (scale, offset) = numberFirst ? (-1, c) : (1, -c)
        case .multiply: (scale, offset) = (c, 0)
        case .divide:
            guard !numberFirst else {
                throw layer.options.error("divides a number by a tensor, which vizrun cannot run yet")
            }
            (scale, offset) = (1 / c, 0)
        }
        let itemShape = Array(repeating: 1, count: input.count - 1)
        let op = AffineOp(
            scale: Tensor(shape: itemShape, scalars: [scale]),
            offset: Tensor(shape: itemShape, scalars: [offset]), kind: layer.className)
        return try addWeightless(op, layer, inputs: inputs)
    }
}
