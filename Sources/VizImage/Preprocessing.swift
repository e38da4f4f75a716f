import VizCore

/// Turns a decoded image into the float tensor a model takes, in a fixed order:
/// resize → channel order → `x · scale + offset` → `(x − mean) / std`.
///
/// Each step mirrors what a Keras user writes: `load_img(target_size:, interpolation:)`, then
/// `img_to_array`, then either their own arithmetic (the book's `x / 255.`) or a
/// `preprocess_input` preset. A preset fills in the fields; fields set afterwards override it:
///
/// ```swift
/// var steps = Preprocessing(preset: .caffe)
/// steps.size = (224, 224)
/// let input = try steps.apply(to: Bitmap(contentsOfFile: path))
/// ```
public struct Preprocessing: Sendable {
    /// Channel order and count of the result.
    public enum Color: String, Sendable, CaseIterable {
        case rgb
        /// RGB reversed, as Caffe-trained models (VGG16, ResNet50) expect.
        case bgr
        /// One luma channel (`ColorMode.grayscale`).
        case grayscale

        /// The mode the image must be decoded in for this color.
        public var colorMode: ColorMode { self == .grayscale ? .grayscale : .rgb }
    }

    /// `keras.applications.imagenet_utils.preprocess_input` modes.
    public enum Preset: String, Sendable, CaseIterable {
        /// RGB → BGR, then subtract the ImageNet BGR means [103.939, 116.779, 123.68]; no scaling.
        case caffe
        /// The same as `caffe`: `keras.applications.vgg16.preprocess_input`.
        case vgg16
        /// `x / 127.5 − 1`, into [−1, 1].
        case tf
        /// `x / 255`, then subtract [0.485, 0.456, 0.406] and divide by [0.229, 0.224, 0.225] (RGB).
        case torch
    }

    /// Target (height, width); nil keeps the image's own size.
    public var size: (height: Int, width: Int)?
    /// The Pillow filter used when `size` differs from the image's.
    public var filter: ResampleFilter
    public var color: Color
    public var scale: Float
    public var offset: Float
    /// Subtracted per channel after scale and offset, in the result's channel order; one value
    /// applies to every channel, empty means none.
    public var mean: [Float]
    /// Divisors per channel, after `mean`; one value applies to every channel, empty means none.
    public var std: [Float]

    /// Keras's defaults: nearest resize, RGB, no arithmetic.
    public init(
        size: (height: Int, width: Int)? = nil, filter: ResampleFilter = .nearest, color: Color = .rgb,
        scale: Float = 1, offset: Float = 0, mean: [Float] = [], std: [Float] = []
    ) {
        self.size = size
        self.filter = filter
        self.color = color
        self.scale = scale
        self.offset = offset
        self.mean = mean
        self.std = std
    }

    /// The fields `preprocess_input` implies for `preset`; size and filter stay at their defaults.
    public init(preset: Preset) {
        switch preset {
        case .caffe, .vgg16:
            self.init(color: .bgr, mean: [103.939, 116.779, 123.68])
        case .tf:
            self.init(scale: 1 / 127.5, offset: -1)
        case .torch:
            self.init(scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        }
    }

    /// Decodes `path` in the mode `color` needs, then applies the steps.
    public func apply(toFileAt path: String) throws -> Tensor {
        try apply(to: Bitmap(contentsOfFile: path, colorMode: color.colorMode), source: path)
    }

    /// The (1, H, W, C) float tensor for `bitmap`, which must have been decoded in
    /// `color.colorMode`; `source` locates errors.
    public func apply(to bitmap: Bitmap, source: String? = nil) throws -> Tensor {
        let channels = color.colorMode.channels
        guard bitmap.channels == channels else {
            throw VizError(
                "the image has \(bitmap.channels) channels, color \(color.rawValue) needs \(channels)",
                at: source)
        }
        let means = try perChannel(mean, named: "mean", identity: 0, channels: channels, source: source)
        let deviations = try perChannel(std, named: "std", identity: 1, channels: channels, source: source)
        var image = bitmap
        if let size, size.height != bitmap.height || size.width != bitmap.width {
            guard size.height > 0, size.width > 0 else {
                throw VizError("cannot resize to \(size.height)x\(size.width)", at: source)
            }
            image = bitmap.resized(width: size.width, height: size.height, filter: filter)
        }
        let reversesChannels = color == .bgr
        let (scale, offset) = (scale, offset)
        let pixelCount = image.width * image.height
        let scalars = [Float](unsafeUninitializedCapacity: pixelCount * channels) { output, initialized in
            image.pixels.withUnsafeBufferPointer { input in
                for pixel in 0..<pixelCount {
                    for channel in 0..<channels {
                        let sourceChannel = reversesChannels ? channels - 1 - channel : channel
                        let value = Float(input[pixel * channels + sourceChannel]) * scale + offset
                        output[pixel * channels + channel] = (value - means[channel]) / deviations[channel]
                    }
                }
            }
            initialized = pixelCount * channels
        }
        return Tensor(shape: [1, image.height, image.width, channels], scalars: scalars)
    }

    /// The per-channel arithmetic of `apply` for a model input of `channels` channels (resizing
    /// aside); the grayscale luma is taken from channel 0 of a one-channel picture.
    public func inputMapping(channels: Int) throws -> InputMapping {
        let means = try perChannel(mean, named: "mean", identity: 0, channels: channels, source: nil)
        let deviations = try perChannel(std, named: "std", identity: 1, channels: channels, source: nil)
        return InputMapping(
            scale: deviations.map { scale / $0 }, offset: (0..<channels).map { (offset - means[$0]) / deviations[$0] },
            source: (0..<channels).map { color == .bgr ? channels - 1 - $0 : $0 })
    }

    private func perChannel(
        _ values: [Float], named name: String, identity: Float, channels: Int,
        source: String?
    ) throws -> [Float] {
        switch values.count {
        case 0: return [Float](repeating: identity, count: channels)
        case 1: return [Float](repeating: values[0], count: channels)
        case channels: return values
        default:
            throw VizError("\(name) has \(values.count) values, the image has \(channels) channels", at: source)
        }
    }
}
