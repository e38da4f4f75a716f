import VizCore
import VizImage

/// DeepDream's options: `start: {image: PATH}`, `octaves` and `octave_scale` (see Docs/config.md).
extension FiltersOptions {
    /// `start: {image: PATH, seed}`: the photo, decoded now (so a bad file stops the run before
    /// anything is written), resized bilinearly to `size` (or the model's fixed size) when one is
    /// set; otherwise it sets the size.
    mutating func readPhoto(_ node: ConfigNode, settings: ConfigMapping, size: inout (Int, Int)?) throws {
        guard parameterization == .pixel else {
            throw node.error(
                "a start image sets pixels; with parameterization \(parameterization.kind) only start.seed applies")
        }
        for key in ["low", "high"] {
            if let value = settings.optional(key) {
                throw value.error("start.\(key) sets pixel noise; a start image is the start itself")
            }
        }
        seed = UInt64(try settings.optional("seed")?.int(atLeast: 0) ?? Int(seed))
        try settings.finish()
        guard channels == 1 || channels == 3 else {
            throw node.error("a start image needs a model with 1 or 3 input channels, this one takes \(channels)")
        }
        let path = try node.path()
        var photo: Bitmap
        do {
            photo = try Bitmap(contentsOfFile: path, colorMode: channels == 1 ? .grayscale : .rgb)
        } catch let error as VizError {
            throw node.error(error.message)
        }
        if let (height, width) = size, (height, width) != (photo.height, photo.width) {
            photo = photo.resized(width: width, height: height, filter: .bilinear)
        }
        size = (photo.height, photo.width)
        start = .photo(photo)
    }

    /// `octaves` (at least 1) and `octave_scale` (positive): with a start image only; more than one
    /// octave changes the image's size, so the model must take any size, and the smallest octave
    /// must keep at least one pixel.
    mutating func readOctaves(_ mapping: ConfigMapping, inputShape: [Int]) throws {
        let octavesNode = mapping.optional("octaves")
        let scaleNode = mapping.optional("octave_scale")
        let startsFromPhoto = (try? mapping.optional("start")?.mapping().optional("image")) != nil
        guard startsFromPhoto else {
            if let node = octavesNode ?? scaleNode {
                throw node.error("\(node.key) applies to DeepDream, whose start is a photo: start: {image: PATH}")
            }
            return
        }
        guard case .photo = start else { return } // the start's own problem is reported
        if let octavesNode { octaves = try octavesNode.int(atLeast: 1) }
        if let scaleNode {
            octaveScale = try scaleNode.double()
            guard octaveScale > 0 else { throw scaleNode.error("octave_scale must be positive, not \(octaveScale)") }
        }
        let sizes = DeepDream.octaveSizes(height: height, width: width, octaves: octaves, scale: octaveScale)
        guard let node = octavesNode, sizes.contains(where: { $0.height != height || $0.width != width }) else { return }
        if inputShape[0] > 0 || inputShape[1] > 0 {
            throw node.error(
                "octaves change the image's size, and the model only takes \(ShapeCheck.describe([-1] + inputShape)) inputs")
        }
        if let small = sizes.first(where: { $0.height < 1 || $0.width < 1 }) {
            throw node.error(
                "octave \(small.height)x\(small.width) of the \(height)x\(width) photo has no pixels: use fewer octaves or an octave_scale nearer 1"
            )
        }
    }
}
