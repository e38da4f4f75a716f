/// What the config says about the model to load.
public struct ModelSpec: Sendable {
    /// Absolute path of the model file.
    public var path: String
    /// The loader the config names, or nil to choose by file extension.
    public var loader: String?
    /// Optional architecture file for loaders that need one (raw weights).
    public var architecture: String?
    /// Optional class-names file, one label per line.
    public var labels: String?
    /// The layer types plugins registered, for the Keras layer classes the loader does not run
    /// itself; `Registry.loadModel` fills it in.
    public var layerTypes: [LayerType.Type]

    public init(
        path: String, loader: String? = nil, architecture: String? = nil, labels: String? = nil,
        layerTypes: [LayerType.Type] = []
    ) {
        self.path = path
        self.loader = loader
        self.architecture = architecture
        self.labels = labels
        self.layerTypes = layerTypes
    }
}

/// Turns a model file into a `Model`. Plugins conform and register with the `Registry`.
///
/// Class-bound and free of associated types, so loaders can come from shared libraries.
public protocol ModelLoader: AnyObject {
    /// The name a config uses (`loader: hdf5`).
    static var name: String { get }
    /// Lower-case extensions with the dot, used to choose a loader when the config names none.
    static var fileExtensions: [String] { get }
    /// One line for `vizrun plugins`.
    static var summary: String { get }

    init()

    /// Loads the model, or throws a `VizError` that names the file and what is wrong with it.
    func load(_ spec: ModelSpec) throws -> Model
}
