import Foundation
import VizCore

/// A layer table like Keras's `model.summary()`: name, class, output shape, parameters, inputs.
public struct ModelSummary {
    public let model: Model

    public init(_ model: Model) { self.model = model }

    public var text: String {
        // Other names a config may use (an ONNX model's PyTorch module paths and output tensors).
        let showsAliases = model.layers.contains { !$0.aliases.isEmpty }
        let header = ["Layer", "Class", "Output shape", "Params", "Inputs"] + (showsAliases ? ["Also named"] : [])
        let rows = model.layers.map { layer -> [String] in
            let shape = ShapeCheck.describe([-1] + model.outputShape(of: layer))
            return [
                layer.name, layer.className, shape, String(layer.parameterCount),
                layer.inputLayers.joined(separator: ", "),
            ] + (showsAliases ? [layer.aliases.joined(separator: ", ")] : [])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = ["Model: \(model.path)"]
        lines += model.metadata.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
        lines.append(line(header))
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines += rows.map(line)
        lines.append("Total params: \(model.parameterCount)")
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
