import Foundation
import VizCore

/// A layer's `config` object, read with Keras's defaults and with errors that name the layer.
struct KerasLayerOptions {
    /// The layer's name as users see it (`outer/inner` inside a nested model), for messages.
    let layer: String
    let values: [String: Any]
    /// The Keras version that wrote the file, for options whose meaning changed between versions.
    let kerasVersion: KerasVersion
    /// The model file, where every error is located.
    let location: String

    func error(_ message: String) -> VizError {
        VizError("layer '\(layer)' \(message)", at: location)
    }

    /// The value of `key`, nil when absent or JSON null (Keras writes null for "use the default").
    private func value(_ key: String) -> Any? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    private func invalid(_ key: String, expected: String) -> VizError {
        error("has option '\(key)' = \(values[key].map { "\($0)" } ?? "nothing"), expected \(expected)")
    }

    func int(_ key: String, default defaultValue: Int? = nil) throws -> Int {
        guard let value = value(key) else {
            guard let defaultValue else { throw error("lacks the option '\(key)'") }
            return defaultValue
        }
        guard let int = value as? Int else { throw invalid(key, expected: "an integer") }
        return int
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let value = value(key) else { return defaultValue }
        guard let bool = value as? Bool else { throw invalid(key, expected: "true or false") }
        return bool
    }

    func string(_ key: String, default defaultValue: String) throws -> String {
        guard let value = value(key) else { return defaultValue }
        guard let string = value as? String else { throw invalid(key, expected: "a string") }
        return string
    }

    /// A 2-D size such as `kernel_size` or `strides`: one positive integer for both axes, or `[rows, columns]`.
    func pair(_ key: String, default defaultValue: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let value = value(key) else {
            guard let defaultValue else { throw error("lacks the option '\(key)'") }
            return defaultValue
        }
        let sizes = (value as? Int).map { [$0, $0] } ?? (value as? [Any])?.compactMap { $0 as? Int }
        guard let sizes, sizes.count == 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw invalid(key, expected: "a positive integer or a list of two")
        }
        return (sizes[0], sizes[1])
    }

    /// A shape with the batch axis, JSON null (unknown) becoming -1.
    func shape(_ key: String) throws -> [Int]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any] else { throw invalid(key, expected: "a list of sizes") }
        return try list.map { size in
            if size is NSNull { return -1 }
            guard let int = size as? Int, int >= 0 else { throw invalid(key, expected: "a list of sizes") }
            return int
        }
    }

    func padding() throws -> Padding {
        let name = try string("padding", default: "valid")
        guard let padding = Padding(rawValue: name.lowercased()) else {
            throw error("uses padding '\(name)'; vizrun supports 'valid' and 'same'")
        }
        return padding
    }

    /// Layers record their `data_format` (null meaning Keras's default, channels_last).
    func requireChannelsLast() throws {
        let format = try string("data_format", default: "channels_last")
        guard format == "channels_last" else {
            throw error("uses data_format '\(format)'; vizrun runs channels_last models only for now")
        }
    }

    /// The `activation` option: a name, or in Keras 3 a serialized function such as
    /// `{"module": "builtins", "class_name": "function", "config": "relu"}`.
    func activation(_ key: String = "activation") throws -> ActivationFunction {
        guard let value = value(key) else { return .linear }
        let name: String
        if let string = value as? String {
            name = string
        } else if let serialized = value as? [String: Any], let function = serialized["config"] as? String {
            name = function
        } else {
            let className = (value as? [String: Any])?["class_name"] as? String ?? "\(value)"
            throw error("uses an activation of class '\(className)', which vizrun cannot run")
        }
        guard let function = ActivationFunction(kerasName: name) else {
            throw error("uses activation '\(name)', which vizrun cannot run "
                        + "(known: \(ActivationFunction.kerasNames.joined(separator: ", ")))")
        }
        return function
    }
}
