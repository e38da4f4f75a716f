/// The Keras version that wrote a model file, for the layer mappings whose meaning changed
/// between versions (`hard_sigmoid`, gelu's `approximate`, LeakyReLU's default slope, …).
///
/// A layer mapping reads it from its options: `layer.options.kerasVersion.major`.
package struct KerasVersion: Equatable, CustomStringConvertible {
    /// As the file states it, e.g. `2.2.4-tf`, `3.15.1`; `1` when the file states none (Keras 1).
    package let text: String
    package let major: Int
    package let minor: Int

    /// Parses the leading `major.minor` of a version string; anything unreadable counts as Keras 1,
    /// the only version that wrote no version at all.
    package init(_ text: String) {
        self.text = text
        let numbers = text.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        major = numbers.first ?? 1
        minor = numbers.count > 1 ? numbers[1] : 0
    }

    package var description: String { text }
}
