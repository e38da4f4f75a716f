import VizCore

/// Where each layer's stored weights come from. Legacy `.h5` files key them by layer name; a
/// `.keras` archive keys them by class-derived paths, so a loader for it brings its own source.
package protocol KerasWeightSource {
    /// The weights of a layer of this source's model, by the layer's name in that model.
    func weights(ofLayer layer: String) throws -> KerasLayerWeights
    /// The source of the weights of the layers inside a nested model that is a layer of this one.
    func weights(ofNestedModel layer: KerasModelConfig.Layer, config: KerasModelConfig) throws -> KerasWeightSource
}

/// One layer's stored weights, handed out by name and checked against the shapes the layer's
/// config implies, so a file whose weights do not fit its config fails with a precise message.
package struct KerasLayerWeights {
    package struct Stored {
        /// As the file names it, e.g. `conv2d/kernel:0`.
        package let name: String
        package let value: Tensor
        /// How the file holds the weight when not as Keras does (a raw PyTorch `conv1.weight`); nil
        /// when `name` and `value` are the file's.
        var original: OriginalForm?

        package init(name: String, value: Tensor) {
            self.init(name: name, value: value, original: nil)
        }

        init(name: String, value: Tensor, original: OriginalForm?) {
            self.name = name
            self.value = value
            self.original = original
        }

        /// The name messages show.
        var shownName: String { original?.name ?? name }
    }

    /// A weight's name in its file, and the order of its axes there: axis `i` of the stored tensor
    /// is axis `axes[i]` of the Keras-layout value, so messages can show shapes as the file has them.
    struct OriginalForm {
        let name: String
        let axes: [Int]

        /// `shape` of the Keras-layout value in the file's axis order, when the ranks agree.
        func fileOrder(_ shape: [Int]) -> [Int] {
            shape.count == axes.count ? axes.map { shape[$0] } : shape
        }
    }

    let layer: String
    /// Where the weights were found, e.g. `/model_weights/conv2d`, for messages.
    let origin: String
    /// The model file, where every error is located.
    let location: String
    /// Whether the file stores the weights unnamed, in Keras's creation order (a `.keras` archive's
    /// `vars/0`, `vars/1`, …): `take` then hands them out in that order, so a layer mapping takes
    /// its weights in the order of Keras's `layer.weights`.
    let storedByPosition: Bool
    private(set) var unclaimed: [Stored]
    private(set) var parameterCount = 0

    package init(layer: String, origin: String, location: String, stored: [Stored], storedByPosition: Bool = false) {
        self.layer = layer
        self.origin = origin
        self.location = location
        self.storedByPosition = storedByPosition
        unclaimed = stored
    }

    /// The weight called `role` (`kernel`, `bias`, …), matched on the last component of its stored
    /// name without the TensorFlow `:0` suffix. `-1` in `shape` accepts any size.
    mutating func take(_ role: String, shape expected: [Int]) throws -> Tensor {
        try take(
            role,
            at: storedByPosition
                ? unclaimed.indices.first
                : unclaimed.firstIndex(where: { Self.role(of: $0.name) == role }), shape: expected)
    }

    /// The layer's one weight, whatever the file calls it: for a layer that creates a single unnamed
    /// variable, which Keras 3 names `variable`, `variable_1`, … counting across the whole model.
    mutating func takeSole(_ role: String, shape expected: [Int]) throws -> Tensor {
        try take(role, at: unclaimed.count == 1 ? unclaimed.indices.first : nil, shape: expected)
    }

    private mutating func take(_ role: String, at found: Int?, shape expected: [Int]) throws -> Tensor {
        guard let index = found else {
            let held = unclaimed.isEmpty ? "holds none" : "holds only " + unclaimed.map(\.shownName).joined(separator: ", ")
            throw VizError("layer '\(layer)' needs a weight '\(role)', but \(origin) \(held)", at: location)
        }
        let weight = unclaimed.remove(at: index)
        let shape = weight.value.shape
        guard shape.count == expected.count, zip(shape, expected).allSatisfy({ $1 < 0 || $0 == $1 }) else {
            let fileOrder = weight.original.map { $0.fileOrder } ?? { $0 }
            throw VizError(
                "layer '\(layer)': weight '\(weight.shownName)' has shape \(ShapeCheck.describe(fileOrder(shape))), "
                    + "but the layer's config implies \(ShapeCheck.describe(fileOrder(expected)))", at: location)
        }
        parameterCount += weight.value.count
        return weight.value
    }

    /// The weight called by the first of `roles` that the file holds, for weights Keras renamed
    /// between versions (DepthwiseConv2D's `depthwise_kernel` is `kernel` in Keras 3).
    mutating func take(anyOf roles: [String], shape expected: [Int]) throws -> Tensor {
        let held = roles.first { role in unclaimed.contains { Self.role(of: $0.name) == role } }
        return try take(held ?? roles[0], shape: expected)
    }

    /// Fails if the file stores weights the layer's config gives no use for (e.g. a bias the config
    /// says the layer does not have), which means config and weights disagree.
    func requireAllTaken() throws {
        guard unclaimed.isEmpty else {
            throw VizError(
                "layer '\(layer)' stores weights its config does not call for: "
                    + unclaimed.map(\.shownName).joined(separator: ", "), at: location)
        }
    }

    /// `conv2d/kernel:0` → `kernel`.
    private static func role(of storedName: String) -> String {
        let last = storedName.split(separator: "/").last.map(String.init) ?? storedName
        guard let colon = last.lastIndex(of: ":"), last[last.index(after: colon)...].allSatisfy(\.isNumber) else {
            return last
        }
        return String(last[..<colon])
    }
}
