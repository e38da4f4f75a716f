import Foundation

/// A Keras layer's `config` options, read with errors that name the layer: the one set of typed
/// readers behind both the options vizrun's own Keras loaders read (`KerasLayerOptions`) and those
/// a plugin's `LayerType` reads (`KerasLayer`).
public protocol KerasOptionReading {
    /// The option's value, nil when absent or JSON null (Keras writes null for "use the default").
    func optionValue(_ key: String) -> Any?
    /// The option as the file stores it, null included, for messages.
    func storedOption(_ key: String) -> Any?
    /// An error about the layer, located in the model file: `layer '<name>' <message>`.
    func error(_ message: String) -> VizError
}

// MARK: - Default implementations

extension KerasOptionReading {
    public func int(_ key: String, default defaultValue: Int? = nil) throws -> Int {
        guard let value = optionValue(key) else { return try missingOrDefault(key, defaultValue) }
        guard let int = value as? Int else { throw invalidOption(key, expected: "an integer") }
        return int
    }

    public func float(_ key: String, default defaultValue: Float? = nil) throws -> Float {
        guard let value = optionValue(key) else { return try missingOrDefault(key, defaultValue) }
        guard let number = value as? NSNumber else { throw invalidOption(key, expected: "a number") }
        return number.floatValue
    }

    public func bool(_ key: String, default defaultValue: Bool? = nil) throws -> Bool {
        guard let value = optionValue(key) else { return try missingOrDefault(key, defaultValue) }
        guard let bool = value as? Bool else { throw invalidOption(key, expected: "true or false") }
        return bool
    }

    public func string(_ key: String, default defaultValue: String? = nil) throws -> String {
        guard let value = optionValue(key) else { return try missingOrDefault(key, defaultValue) }
        guard let string = value as? String else { throw invalidOption(key, expected: "a string") }
        return string
    }

    /// `layer '<name>' has option '<key>' = <value>, expected <expected>`.
    public func invalidOption(_ key: String, expected: String) -> VizError {
        error("has option '\(key)' = \(storedOption(key).map { "\($0)" } ?? "nothing"), expected \(expected)")
    }

    /// `defaultValue`, or the error that the layer lacks the option when there is none.
    public func missingOrDefault<T>(_ key: String, _ defaultValue: T?) throws -> T {
        guard let defaultValue else { throw error("lacks the option '\(key)'") }
        return defaultValue
    }
}
