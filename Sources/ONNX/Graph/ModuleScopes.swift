/// The PyTorch module each node was exported from, so a config can name a layer by module path
/// (`layer4`, `layer4.1`, `features.3`), meaning that module's output: its last node.
///
/// The dynamo exporter writes the chain in each node's `pkg.torch.onnx.name_scopes` metadata, a
/// Python list literal such as `['', 'layer4', 'layer4.1', 'layer4.1.relu', 'relu_16']` (the root
/// module, the modules, then the operation). The TorchScript exporter names nodes by scope instead:
/// `/features/features.1/block/block.0/block.0.0/Conv`, where each part is a module path cut to
/// start at its last non-numeric atom, and `relu_1` is the second call of `relu`.
struct ModuleScopes {
    /// Every module path met so far, to tell a repeated call (`relu_1` after `relu`) from a module
    /// whose own name ends in a number (`dense6_2`).
    private var seen: Set<String> = []

    static let metadataKey = "pkg.torch.onnx.name_scopes"

    /// The modules `node` lies in, outermost first; nodes are read in graph order.
    mutating func chain(of node: Onnx_NodeProto) -> [String] {
        let chain: [String]
        if let scopes = node.metadataProps.first(where: { $0.key == Self.metadataKey }) {
            chain = Self.pythonStrings(scopes.value).dropFirst().dropLast().filter { !$0.isEmpty }
        } else if node.name.hasPrefix("/") {
            chain = legacyChain(node.name)
        } else {
            chain = []
        }
        seen.formUnion(chain)
        return chain
    }

    /// Each part of the name adds one module: the parent's path and the part's last atom.
    private func legacyChain(_ name: String) -> [String] {
        let parts = name.split(separator: "/").dropLast()
        var chain: [String] = []
        for part in parts {
            let atom = String(part.split(separator: ".").last ?? part[...])
            let parent = chain.last.map { $0 + "." } ?? ""
            var path = parent + atom
            if let underscore = atom.lastIndex(of: "_"), atom[atom.index(after: underscore)...].allSatisfy(\.isNumber),
                atom.index(after: underscore) < atom.endIndex, seen.contains(parent + atom[..<underscore])
            {
                path = parent + atom[..<underscore]
            }
            chain.append(path)
        }
        return chain
    }

    /// The strings of a Python list literal of string literals (single or double quoted, with
    /// backslash escapes); anything else in it is skipped.
    static func pythonStrings(_ literal: String) -> [String] {
        var strings: [String] = []
        var characters = literal.makeIterator()
        while let character = characters.next() {
            guard character == "'" || character == "\"" else { continue }
            var text = ""
            while let next = characters.next(), next != character {
                text.append(next == "\\" ? (characters.next() ?? next) : next)
            }
            strings.append(text)
        }
        return strings
    }
}
