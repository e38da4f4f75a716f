/// A Keras layer class that vizrun does not run itself, such as a custom layer of the user's
/// (`class_name` in the model's config), supplied by a plugin: how one layer of that class
/// becomes an `Op`, whose forward and input gradient then run like any built-in layer's.
///
/// Class-bound and free of associated types, so layer types can come from shared libraries; the
/// types themselves are Sendable (`SendableMetatype`), so that a `ModelSpec` can carry them. The
/// Keras loaders consult layer types only for class names they do not know, so a plugin cannot
/// change how a built-in class runs.
public protocol LayerType: AnyObject, SendableMetatype {
    /// The Keras `class_name` this type builds, as the model's config writes it (`ChannelScale`).
    static var className: String { get }
    /// One line for `vizrun plugins`.
    static var summary: String { get }

    init()

    /// The op that runs `layer`, or a `VizError` made with `layer.error(_:)` that names the layer
    /// and what is wrong with its options or weights.
    func op(for layer: KerasLayer) throws -> Op
}
