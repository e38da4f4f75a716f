import VizCore

/// Pad, Resize and Upsample: an image's height and width padded, cropped or resampled, run
/// channels-last.
extension ONNXGraphBuilder {
    /// Padding around an image's spatial axes (negative pads crop) with zeros or copies of its own
    /// cells; pads are an attribute before opset 11 and an input from it on, limited to some axes
    /// by an `axes` input from opset 18.
    static func pad(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let modeName = try node.string("mode", default: "constant")
        let modes: [String: Pad2DOp.Mode] = ["constant": .zeros, "reflect": .reflect, "edge": .edge, "wrap": .wrap]
        guard let mode = modes[modeName] else { throw node.unsupported("pads in mode '\(modeName)'") }
        var pads: [Int]
        let value: Float
        if node.opset < 11 {
            pads = try node.ints("pads") ?? []
            value = try node.float("value", default: 0)
        } else {
            pads = try builder.requiredConstant(node, 1, "pads").integers.map { Int(clamping: $0) }
            value = try builder.constantInput(node, 2, "constant value")?.floats.first ?? 0
            if let axes = try builder.constantInput(node, 3, "axes")?.integers.map({ Int(clamping: $0) }) {
                pads = try padsOfEveryAxis(pads, axes: axes, rank: 4, node)
            }
        }
        guard pads.count == 8, mode != .zeros || value == 0, [0, 1, 4, 5].allSatisfy({ pads[$0] == 0 }),
            pads.allSatisfy({ abs($0) <= 1 << 20 })
        else {
            throw node.unsupported(
                "pads \(pads)\(mode == .zeros ? " with \(value)" : "") (vizrun pads an image's height and width, "
                    + "with zeros or copies of its cells)")
        }
        let input = try builder.channelsLast(x.node, x.layout, for: node)
        let op = Pad2DOp(top: pads[2], bottom: pads[6], left: pads[3], right: pads[7], mode: mode, kind: "Pad")
        return [.node(try builder.add(op, inputs: [input]), .channelsLast)]
    }

    /// Pads given for `axes` only (begins, then ends), as pads for every axis of a rank-`rank` value.
    private static func padsOfEveryAxis(_ pads: [Int], axes: [Int], rank: Int, _ node: ONNXNode) throws -> [Int] {
        let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard pads.count == 2 * axes.count, Set(resolved).count == axes.count, resolved.allSatisfy({ $0 >= 0 && $0 < rank })
        else {
            throw node.error("has pads \(pads) for axes \(axes) of a rank-\(rank) value")
        }
        var full = [Int](repeating: 0, count: 2 * rank)
        for (index, axis) in resolved.enumerated() {
            full[axis] = pads[index]
            full[rank + axis] = pads[axes.count + index]
        }
        return full
    }

    /// Resize's inputs by opset: (X, scales) in opset 10; (X, roi, scales, sizes) from 11, where the
    /// coordinate transformation and nearest rounding became attributes; `axes` from 18.
    static func resize(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        guard node.opset >= 11 else {
            let scales = try builder.requiredConstant(node, 1, "scales").floats
            return try resampled(builder, node, x, scales: scales, sizes: nil, coordinates: .asymmetric, rounding: nil)
        }
        let coordinateName = try node.string("coordinate_transformation_mode", default: "half_pixel")
        guard let coordinates = Resize2DOp.Coordinates(rawValue: coordinateName), coordinates != .tensorflow else {
            throw node.unsupported("maps coordinates by '\(coordinateName)'")
        }
        let roundingName = try node.string("nearest_mode", default: "round_prefer_floor")
        guard let rounding = Resize2DOp.Rounding(rawValue: roundingName) else {
            throw node.error(
                "has nearest_mode '\(roundingName)'; ONNX defines round_prefer_floor, round_prefer_ceil, floor and ceil")
        }
        if try node.int("antialias", default: 0) != 0 { throw node.unsupported("resizes with antialiasing") }
        let policy = try node.string("keep_aspect_ratio_policy", default: "stretch")
        guard policy == "stretch" else { throw node.unsupported("keeps the aspect ratio ('\(policy)')") }
        let scales = try builder.constantInput(node, 2, "scales").flatMap { $0.count == 0 ? nil : $0.floats }
        let sizes = try builder.constantInput(node, 3, "sizes").map { $0.integers.map { Int(clamping: $0) } }
        var (fullScales, fullSizes) = (scales, sizes)
        if let axes = try node.ints("axes") {
            let shape = builder.onnxShape(x.node, x.layout)
            let resolved = axes.map { $0 < 0 ? $0 + shape.count : $0 }
            guard Set(resolved).count == axes.count, resolved.allSatisfy({ $0 >= 0 && $0 < shape.count }),
                (scales?.count ?? sizes?.count ?? 0) == axes.count
            else {
                throw node.error("has axes \(axes) for scales \(scales ?? []) or sizes \(sizes ?? [])")
            }
            fullScales = scales.map { given in shape.indices.map { resolved.firstIndex(of: $0).map { given[$0] } ?? 1 } }
            fullSizes = sizes.map { given in shape.indices.map { resolved.firstIndex(of: $0).map { given[$0] } ?? shape[$0] } }
        }
        return try resampled(builder, node, x, scales: fullScales, sizes: fullSizes, coordinates: coordinates, rounding: rounding)
    }

    /// Upsample (opsets 7 to 9): scales as an attribute, then as an input from opset 9; positions i / scale.
    static func upsample(_ builder: ONNXGraphBuilder, _ node: ONNXNode) throws -> [Value] {
        let x = try builder.dynamicInput(node)
        let scales = node.opset < 9 ? try node.floats("scales") ?? [] : try builder.requiredConstant(node, 1, "scales").floats
        return try resampled(builder, node, x, scales: scales, sizes: nil, coordinates: .asymmetric, rounding: nil)
    }

    /// The image resized by `scales` or to `sizes` (ONNX's order, one per axis); without a
    /// `rounding` (before opset 11), nearest takes the pixel below an upsampled position and above
    /// a downsampled one, as onnxruntime does for those opsets.
    private static func resampled(
        _ builder: ONNXGraphBuilder, _ node: ONNXNode, _ x: (node: Int, layout: Layout), scales: [Float]?, sizes: [Int]?,
        coordinates: Resize2DOp.Coordinates, rounding: Resize2DOp.Rounding?
    ) throws -> [Value] {
        let modeName = try node.string("mode", default: "nearest")
        let modes: [String: Resize2DOp.Interpolation] = ["nearest": .nearest, "linear": .bilinear, "bilinear": .bilinear]
        guard let interpolation = modes[modeName] else { throw node.unsupported("interpolates in mode '\(modeName)'") }
        let shape = builder.onnxShape(x.node, x.layout)
        let size: Resize2DOp.Size
        var upsamples: [Bool]
        if let sizes, !sizes.isEmpty {
            guard sizes.count == 4, sizes[0] == shape[0], sizes[1] == shape[1], sizes[2] > 0, sizes[3] > 0 else {
                throw node.unsupported(
                    "resizes \(ShapeCheck.describe(shape)) to \(sizes) (vizrun resizes an image's height and width)")
            }
            size = .fixed(sizes[2], sizes[3])
            upsamples = [sizes[2] >= shape[2], sizes[3] >= shape[3]]
        } else if let scales, scales.count == 4, scales[0] == 1, scales[1] == 1, scales[2] > 0, scales[3] > 0 {
            size = .scale(scales[2], scales[3])
            upsamples = [scales[2] >= 1, scales[3] >= 1]
        } else {
            throw node.unsupported(
                "resizes by scales \(scales ?? []) (vizrun resizes an image's height and width, by positive scales or sizes)")
        }
        var nearest = rounding ?? .floor
        if rounding == nil, interpolation == .nearest, upsamples != [true, true] {
            guard upsamples == [false, false] else { throw node.unsupported("upsamples one axis and downsamples the other") }
            nearest = .ceil
        }
        let op = Resize2DOp(size, interpolation: interpolation, coordinates: coordinates, rounding: nearest, kind: node.opType)
        return [.node(try builder.add(op, inputs: [try builder.channelsLast(x.node, x.layout, for: node)]), .channelsLast)]
    }
}
