import VizCore

/// `parameterization`: what the ascent optimises (see Docs/config.md).
extension FiltersOptions {
    /// `pixel`, `fft`, or `{kind: fft, decay_power: 1, decorrelate: true, sigmoid: true}` (false: clipped).
    static func parameterization(_ node: ConfigNode, channels: Int) throws -> Parameterization {
        guard node.isMapping else {
            let kind = try node.choice(among: Parameterization.kinds)
            return kind == "pixel"
                ? .pixel : try fourier(decayPower: 1, decorrelate: channels == 3, sigmoid: true, node: node, channels: channels)
        }
        let mapping = try node.mapping()
        let kind = try mapping.required("kind").choice(among: Parameterization.kinds)
        guard kind == "fft" else {
            try mapping.finish()
            return .pixel
        }
        let decayPower = Float(try mapping.optional("decay_power")?.double(atLeast: 0) ?? 1)
        let decorrelateNode = mapping.optional("decorrelate")
        let decorrelate = try decorrelateNode?.bool() ?? (channels == 3)
        let sigmoid = try mapping.optional("sigmoid")?.bool() ?? true
        try mapping.finish()
        return try fourier(
            decayPower: decayPower, decorrelate: decorrelate, sigmoid: sigmoid, node: decorrelateNode ?? node, channels: channels)
    }

    private static func fourier(
        decayPower: Float, decorrelate: Bool, sigmoid: Bool, node: ConfigNode, channels: Int
    ) throws -> Parameterization {
        guard !decorrelate || channels == 3 else {
            throw node.error("decorrelate needs a 3-channel (colour) input, the model takes \(channels) channels")
        }
        return .fourier(decayPower: decayPower, decorrelate: decorrelate, sigmoid: sigmoid)
    }
}
