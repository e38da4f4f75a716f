/// The channels an image is decoded to, as `keras.utils.load_img(path, color_mode:)` chooses them.
public enum ColorMode: String, Sendable, CaseIterable {
    /// Red, green, blue. An alpha channel is dropped without compositing, as Pillow's
    /// `convert("RGB")` does.
    case rgb
    /// One channel of ITU-R 601-2 luma in Pillow's integer form,
    /// `(19595 R + 38470 G + 7471 B + 0x8000) >> 16`, as `convert("L")` computes it.
    case grayscale

    public var channels: Int {
        switch self {
        case .rgb: 3
        case .grayscale: 1
        }
    }
}
