import Foundation

/// One layer of a Keras model whose class a `LayerType` builds: its config options and weights as
/// the model file stores them, and the shapes it is called on.
public struct KerasLayer {
    /// The name users see (`outer/inner` inside a nested model).
    public let name: String
    public let className: String
    /// The layer's `config` object, as `JSONSerialization` gives it: Int, Double, Bool, String,
    /// NSNull, [Any] and [String: Any] (from a raw architecture file, the same kinds of values).
    /// Read them with `int`, `float`, `bool` and `string`, whose errors name the layer.
    public let options: [String: Any]
    /// The shapes of the inputs the layer is called on, batch axis included (`-1` unknown), in order.
    /// Always channels-last: vizrun runs every model NHWC.
    public let inputShapes: [[Int]]
    /// The layer's weights in the order the file stores them, which is the order of Keras's
    /// `layer.weights` (the order `add_weight` created them in); each in Keras's layout.
    public let weights: [Tensor]
    /// The model file, where errors about the layer are located.
    public let location: String

    public init(
        name: String, className: String, options: [String: Any], inputShapes: [[Int]], weights: [Tensor],
        location: String
    ) {
        self.name = name
        self.className = className
        self.options = options
        self.inputShapes = inputShapes
        self.weights = weights
        self.location = location
    }

    /// An error about this layer, located in the model file: `layer '<name>' <message>`.
    public func error(_ message: String) -> VizError {
        VizError("layer '\(name)' \(message)", at: location)
    }

    /// The layer's weights after checking their number and shapes (`-1` accepts any size), for an
    /// error that names the layer rather than a mismatch deep in the op.
    public func weights(shaped expected: [[Int]]) throws -> [Tensor] {
        guard weights.count == expected.count else {
            throw error("(\(className)) stores \(weights.count) weight(s), but its config calls for \(expected.count)")
        }
        for (index, (weight, shape)) in zip(weights, expected).enumerated() {
            guard weight.shape.count == shape.count, zip(weight.shape, shape).allSatisfy({ $1 < 0 || $0 == $1 }) else {
                throw error(
                    "(\(className)): weight \(index) has shape \(ShapeCheck.describe(weight.shape)), but the "
                        + "layer's config implies \(ShapeCheck.describe(shape))")
            }
        }
        return weights
    }
}

// MARK: - Options

extension KerasLayer: KerasOptionReading {
    public func optionValue(_ key: String) -> Any? {
        guard let value = options[key], !(value is NSNull) else { return nil }
        return value
    }

    public func storedOption(_ key: String) -> Any? { options[key] }
}
