import VizCore

/// `transforms`: what is done to the image every step before the model sees it (see Docs/config.md).
extension FiltersOptions {
    static let transformKinds = ["pad", "jitter", "scale", "rotate"]

    mutating func readTransforms(_ mapping: ConfigMapping, inputShape: [Int]) throws {
        guard let node = mapping.optional("transforms") else { return }
        transforms = try Self.transforms(node)
        if inputShape[0] > 0 || inputShape[1] > 0, transforms.contains(where: \.resizes) {
            throw node.error(
                "pad and scale change the image's size, and the model only takes \(ShapeCheck.describe([-1] + inputShape)) inputs"
            )
        }
    }

    /// `standard` (lucent's `standard_transforms`) or a list applied in the order written:
    /// `{pad: 12}`, `{pad: {width: 12, mode: reflect}}`, `{jitter: 8}`, `{scale: [0.9, 1.1]}`, `{rotate: [-10, 10]}`.
    static func transforms(_ node: ConfigNode) throws -> [any ImageTransform] {
        guard node.isSequence else {
            guard try node.string() == "standard" else {
                throw node.error("transforms is `standard` or a list such as [{pad: 12}, {jitter: 8}]")
            }
            return TransformChain.standard
        }
        return try node.sequence().map(transform)
    }

    private static func transform(_ node: ConfigNode) throws -> any ImageTransform {
        let mapping = try node.mapping()
        guard mapping.keys.count == 1, let kind = mapping.keys.first else {
            throw node.error("each transform is a mapping of one key: pad, jitter, scale or rotate")
        }
        let value = try mapping.required(kind)
        guard transformKinds.contains(kind) else {
            throw node.error(Suggestions.unknown("transform", kind, among: transformKinds))
        }
        switch kind {
        case "pad": return try pad(value)
        case "jitter":
            let distance = try value.int()
            guard distance >= 2 else { throw value.error("jitter moves by 0 ..< d pixels: d must be at least 2") }
            return Jitter(distance: distance)
        case "scale":
            let factors = try value.sequence().map { item in
                let factor = try item.double()
                guard factor > 0 else { throw item.error("scale factors must be positive, not \(factor)") }
                return factor
            }
            guard !factors.isEmpty else { throw value.error("scale needs at least one factor") }
            return RandomScale(factors: factors)
        default:
            let items = try value.sequence()
            guard items.count == 2 else { throw value.error("rotate is [low, high] in whole degrees") }
            let (low, high) = (try items[0].int(), try items[1].int())
            guard low <= high else {
                throw value.error("the rotation range [\(low), \(high)] is backwards: low must not exceed high")
            }
            return RandomRotation(degrees: (low...high).map(Float.init))
        }
    }

    private static func pad(_ node: ConfigNode) throws -> Pad {
        guard node.isMapping else { return Pad(width: try node.int(atLeast: 1), mode: .constant) }
        let mapping = try node.mapping()
        let width = try mapping.required("width").int(atLeast: 1)
        let mode = try mapping.optional("mode")?.choice(Pad.Mode.self) ?? .constant
        try mapping.finish()
        return Pad(width: width, mode: mode)
    }
}
