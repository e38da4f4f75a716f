/// How `Bitmap.resized` picks or blends source pixels: Pillow's filters of the same names, which
/// `keras.utils.load_img(interpolation:)` passes to `Image.resize`.
public enum ResampleFilter: String, Sendable, CaseIterable {
    /// The source pixel under each output pixel's centre (Keras's default).
    case nearest
    /// Triangle filter, support 1, widened by the downscale factor so shrinking averages (antialiases).
    case bilinear
    /// Keys cubic (a = −0.5), support 2, widened by the downscale factor.
    case bicubic
}
