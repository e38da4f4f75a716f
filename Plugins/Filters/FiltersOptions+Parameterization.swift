import VizCore

/// `parameterization`: what the ascent optimises (see Docs/config.md).
extension FiltersOptions {
    /// `pixel`, `fft`, `laplacian`, or a mapping: `{kind: fft, decay_power: 1, decorrelate: true,
    /// sigmoid: true}` or `{kind: laplacian, levels: 4, decorrelate: true, sigmoid: true}`
    /// (sigmoid false: clipped). Lucid's defaults; decorrelation on for colour models.
    static func parameterization(_ node: ConfigNode, channels: Int) throws -> Parameterization {
        let mapping = node.isMapping ? try node.mapping() : nil
        let kind = try (mapping?.required("kind") ?? node).choice(among: Parameterization.kinds)
        guard kind != "pixel" else {
            try mapping?.finish()
            return .pixel
        }
        let withColours: (_ decorrelate: Bool, _ sigmoid: Bool) -> Parameterization
        if kind == "fft" {
            let decayPower = Float(try mapping?.optional("decay_power")?.double(atLeast: 0) ?? 1)
            withColours = { .fourier(decayPower: decayPower, decorrelate: $0, sigmoid: $1) }
        } else {
            let levels = try mapping?.optional("levels")?.int(atLeast: 1) ?? 4
            withColours = { .laplacian(levels: levels, decorrelate: $0, sigmoid: $1) }
        }
        let decorrelateNode = mapping?.optional("decorrelate")
        let decorrelate = try decorrelateNode?.bool() ?? (channels == 3)
        let sigmoid = try mapping?.optional("sigmoid")?.bool() ?? true
        try mapping?.finish()
        guard !decorrelate || channels == 3 else {
            throw (decorrelateNode ?? node).error(
                "decorrelate needs a 3-channel (colour) input, the model takes \(channels) channels")
        }
        return withColours(decorrelate, sigmoid)
    }

    /// With `laplacian`, once the size is known: the coarsest level (size // 2^(levels − 1)) must
    /// keep a pixel. The error points at `levels`, or at the parameterisation that took the default.
    func checkPyramidFits(_ mapping: ConfigMapping) throws {
        guard case .laplacian(let levels, _, _) = parameterization, height > 0, width > 0,
            let node = mapping.optional("parameterization")
        else { return }
        let most = LaplacianPyramid.mostLevels(height: height, width: width)
        guard levels > most else { return }
        let levelsNode = node.isMapping ? try node.mapping().optional("levels") ?? node : node
        let coarsest = (0...1).map { LaplacianPyramid.levelSize([height, width][$0], level: levels - 1) }
        throw levelsNode.error(
            "\(levels) pyramid levels make the coarsest \(coarsest[0])x\(coarsest[1]) for patterns of \(height)x\(width); "
                + "at most \(most) levels fit")
    }
}
