import Foundation
import VizCore

/// A layer's `config` object, read with Keras's defaults and with errors that name the layer.
struct KerasLayerOptions: KerasOptionReading {
    /// The layer's name as users see it (`outer/inner` inside a nested model), for messages.
    let layer: String
    let values: [String: Any]
    /// The Keras version that wrote the file, for options whose meaning changed between versions.
    let kerasVersion: KerasVersion
    /// The model file, where every error is located.
    let location: String
    /// Every key a layer mapping has looked up, shared by copies: what a caller that refuses
    /// unused options (the raw loader, whose options are written by hand) checks against.
    let readKeys = OptionKeyLog()

    func error(_ message: String) -> VizError {
        VizError("layer '\(layer)' \(message)", at: location)
    }

    /// Also logs `key` as read.
    func optionValue(_ key: String) -> Any? {
        readKeys.keys.insert(key)
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    func storedOption(_ key: String) -> Any? { values[key] }

    /// Whether `key` is given and not null.
    func isSet(_ key: String) -> Bool { optionValue(key) != nil }

    /// A 2-D size such as `kernel_size` or `strides`: one positive integer for both axes, or `[rows, columns]`.
    func pair(_ key: String, default defaultValue: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let value = optionValue(key) else { return try missingOrDefault(key, defaultValue) }
        let sizes = (value as? Int).map { [$0, $0] } ?? (value as? [Any])?.compactMap { $0 as? Int }
        guard let sizes, sizes.count == 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw invalidOption(key, expected: "a positive integer or a list of two")
        }
        return (sizes[0], sizes[1])
    }

    /// A shape with the batch axis, JSON null (unknown) becoming -1.
    func shape(_ key: String) throws -> [Int]? {
        guard let value = optionValue(key) else { return nil }
        guard let list = value as? [Any] else { throw invalidOption(key, expected: "a list of sizes") }
        return try list.map { size in
            if size is NSNull { return -1 }
            guard let int = size as? Int, int >= 0 else { throw invalidOption(key, expected: "a list of sizes") }
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

    /// A number or a (possibly nested) list of numbers, flattened; nil when absent or null.
    func floats(_ key: String) throws -> [Float]? {
        guard let value = optionValue(key) else { return nil }
        func flatten(_ value: Any) throws -> [Float] {
            if let number = value as? NSNumber { return [number.floatValue] }
            guard let list = value as? [Any] else { throw invalidOption(key, expected: "a number or a list of numbers") }
            return try list.flatMap(flatten)
        }
        return try flatten(value)
    }

    /// An integer or a list of integers, as a list; nil when absent or null.
    func ints(_ key: String) throws -> [Int]? {
        guard let value = optionValue(key) else { return nil }
        if let int = value as? Int { return [int] }
        guard let list = value as? [Any], case let ints = list.compactMap({ $0 as? Int }), ints.count == list.count else {
            throw invalidOption(key, expected: "an integer or a list of integers")
        }
        return ints
    }

    /// A 1-D size such as Conv1D's `kernel_size`: one positive integer, or a list of one.
    func size(_ key: String, default defaultValue: Int? = nil) throws -> Int {
        guard let sizes = try ints(key) else { return try missingOrDefault(key, defaultValue) }
        guard sizes.count == 1, sizes[0] > 0 else { throw invalidOption(key, expected: "a positive integer or a list of one") }
        return sizes[0]
    }

    /// Axes of an input of `rank` (batch axis 0; negative from the end), ascending.
    func axes(_ key: String, rank: Int, default defaultValue: [Int] = [-1]) throws -> [Int] {
        let axes = try ints(key) ?? defaultValue
        let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard !resolved.isEmpty, resolved.allSatisfy({ $0 >= 1 && $0 < rank }), Set(resolved).count == resolved.count else {
            throw invalidOption(key, expected: "axes between 1 and \(rank - 1) of a rank-\(rank) input (or negative)")
        }
        return resolved.sorted()
    }

    /// `ZeroPadding2D.padding` / `Cropping2D.cropping`: one integer for every side, `[rows, columns]`
    /// (each on both sides), or `[[top, bottom], [left, right]]`.
    func sides(_ key: String) throws -> (top: Int, bottom: Int, left: Int, right: Int) {
        let expected = "an integer, [rows, columns] or [[top, bottom], [left, right]]"
        guard let value = optionValue(key) else { throw error("lacks the option '\(key)'") }
        if let int = value as? Int, int >= 0 { return (int, int, int, int) }
        guard let list = value as? [Any], list.count == 2 else { throw invalidOption(key, expected: expected) }
        let pairs = list.map { item -> [Int]? in
            if let int = item as? Int { return [int, int] }
            let list = item as? [Any] ?? []
            let ints = list.compactMap { $0 as? Int }
            return ints.count == list.count ? ints : nil
        }
        guard let rows = pairs[0], let columns = pairs[1], rows.count == 2, columns.count == 2,
            (rows + columns).allSatisfy({ $0 >= 0 })
        else { throw invalidOption(key, expected: expected) }
        return (rows[0], rows[1], columns[0], columns[1])
    }

    /// The `activation` option: a name, or in Keras 3 a serialized function such as
    /// `{"module": "builtins", "class_name": "function", "config": "relu"}`.
    /// `hard_sigmoid` means another formula before Keras 3, so it follows the file's Keras version.
    func activation(_ key: String = "activation") throws -> ActivationFunction {
        guard let value = optionValue(key) else { return .linear }
        let name: String
        if let string = value as? String {
            name = string
        } else if let serialized = value as? [String: Any], let function = serialized["config"] as? String {
            name = function
        } else {
            let className = (value as? [String: Any])?["class_name"] as? String ?? "\(value)"
            throw error("uses an activation of class '\(className)', which vizrun cannot run")
        }
        guard let function = ActivationFunction(kerasName: name, hardSigmoid: .init(kerasVersion: kerasVersion.text)) else {
            throw error(
                "uses activation '\(name)', which vizrun cannot run "
                    + "(known: \(ActivationFunction.kerasNames.joined(separator: ", ")))")
        }
        return function
    }
}

/// The option keys a layer mapping looked up.
final class OptionKeyLog {
    var keys: Set<String> = []
}
