import VizCore
import VizImage

/// The number a method explains, as a small function of the chosen output's value, in the manner of
/// pytorch-grad-cam's model_targets.py: one value per batch item and index, and its gradient with
/// respect to that output (the seed of the backward pass). Every gradient and perturbation method
/// reads scores through it, so each target works with each method.
enum ScoreTarget: Equatable {
    /// `output[item, i]`: a class of a classifier (`ClassifierOutputTarget`) or, with
    /// `target: {output: i}`, one unit of a regression output, its raw value.
    case unit
    /// A single sigmoid unit read as two classes (`BinaryClassifierOutputTarget`): index 1 scores the
    /// output `p`, index 0 scores `1 − p` (`−logit` before the sigmoid).
    case binary
    /// `Σ_yx output[item, y, x, c] · region[y, x]` over a dense (H, W, classes) output
    /// (`SemanticSegmentationTarget`).
    case region(Region)

    /// The score of index `index` for batch item `item` of `value` (the score node's value);
    /// `complement` is how class 0 of a binary output reads the unit (`1 − v` or `−v`).
    func score(_ value: Tensor, item: Int, index: Int, complement: (Float) -> Float) -> Float {
        let width = value.count / value.shape[0]
        switch self {
        case .unit: return value.scalars[item * width + index]
        case .binary:
            let unit = value.scalars[item * width]
            return index == 1 ? unit : complement(unit)
        case .region(let region):
            let (pixels, channels) = Self.plane(value)
            let weights = region.weights(height: value.shape[1], width: value.shape[2])
            var sum: Double = 0
            for p in 0..<pixels where weights[p] != 0 {
                sum += Double(weights[p]) * Double(value.scalars[item * width + p * channels + index])
            }
            return Float(sum)
        }
    }

    /// Adds d(score of `index` for `item`)/d(value) to `seed`, shaped like the score node's value.
    func addGradient(to seed: inout Tensor, item: Int, index: Int) {
        let width = seed.count / seed.shape[0]
        switch self {
        case .unit: seed.scalars[item * width + index] += 1
        case .binary: seed.scalars[item * width] += index == 1 ? 1 : -1
        case .region(let region):
            let (pixels, channels) = Self.plane(seed)
            let weights = region.weights(height: seed.shape[1], width: seed.shape[2])
            for p in 0..<pixels { seed.scalars[item * width + p * channels + index] += weights[p] }
        }
    }

    /// Pixels and channels of a dense (N, H, W, C) value.
    private static func plane(_ value: Tensor) -> (pixels: Int, channels: Int) {
        (value.shape[1] * value.shape[2], value.shape[3])
    }
}

/// Where a segmentation target sums, in input pixels (the dense output has the input's size).
enum Region: Equatable {
    /// `[x0, x1) × [y0, y1)`, as a Python slice or PIL's crop box.
    case box(x0: Int, y0: Int, x1: Int, y1: Int)
    /// 1 where the mask image is not black, 0 elsewhere; `height × width`, row-major.
    case mask(height: Int, width: Int, values: [Float])

    /// Reads `[x0, y0, x1, y1]` or the path of a PNG/JPEG mask; `size` is the model's input
    /// (height, width), -1 where any size is accepted.
    static func read(_ node: ConfigNode, size: (height: Int, width: Int)) throws -> Region {
        guard node.isSequence else {
            let image: Bitmap
            do { image = try Bitmap(contentsOfFile: try node.path(), colorMode: .grayscale) } catch let error as VizError {
                throw node.error(error.message)
            }
            let region = Region.mask(
                height: image.height, width: image.width, values: image.pixels.map { $0 == 0 ? 0 : 1 })
            if let problem = region.mismatch(height: size.height, width: size.width) { throw node.error(problem) }
            return region
        }
        let corners = try node.sequence().map { try $0.int(atLeast: 0) }
        guard corners.count == 4 else {
            throw node.error("a region box is [x0, y0, x1, y1] in input pixels; found \(corners.count) numbers")
        }
        let region = Region.box(x0: corners[0], y0: corners[1], x1: corners[2], y1: corners[3])
        guard corners[0] < corners[2], corners[1] < corners[3] else {
            throw node.error("the region box \(node.flowText) is empty: it needs x0 < x1 and y0 < y1")
        }
        if let problem = region.mismatch(height: size.height, width: size.width) { throw node.error(problem) }
        return region
    }

    /// Why the region does not fit a `height × width` plane (a size of -1 is not checked); nil when it does.
    func mismatch(height: Int, width: Int) -> String? {
        switch self {
        case .box(_, _, let x1, let y1):
            guard (height < 0 || y1 <= height) && (width < 0 || x1 <= width) else {
                return "the region box [.., .., \(x1), \(y1)] reaches outside the \(height)x\(width) input"
            }
        case .mask(let maskHeight, let maskWidth, _):
            guard (height < 0 || maskHeight == height) && (width < 0 || maskWidth == width) else {
                return "the region mask is \(maskHeight)x\(maskWidth); the input is \(height)x\(width)"
            }
        }
        return nil
    }

    /// One weight per pixel of a `height × width` plane the region fits (`mismatch` is nil).
    func weights(height: Int, width: Int) -> [Float] {
        switch self {
        case .mask(_, _, let values): return values
        case .box(let x0, let y0, let x1, let y1):
            var weights = [Float](repeating: 0, count: height * width)
            for y in y0..<y1 { for x in x0..<x1 { weights[y * width + x] = 1 } }
            return weights
        }
    }
}
