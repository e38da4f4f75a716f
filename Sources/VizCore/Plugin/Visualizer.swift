/// Turns a model and inputs into artifacts. Plugins conform and register with the `Registry`.
///
/// One instance serves one run of a config: `configure` decodes and checks its options against
/// the model before any run starts, so a typo fails fast; `run` does the work and hands every
/// result to the context's sink. A visualizer never reads YAML text or writes files itself.
public protocol Visualizer: AnyObject {
    /// The name a config uses (`visualizer: activations`).
    static var name: String { get }
    /// One line for `vizrun plugins`.
    static var summary: String { get }

    /// Whether results depend on the inputs. The runner streams inputs through such runs batch by
    /// batch; a run that ignores them (filter patterns) runs once.
    static var readsInputs: Bool { get }

    /// The roles of the artifacts it writes, in the order the report shows its leading pictures.
    static var roles: [ArtifactRole] { get }

    /// A new aggregate for one run, if the visualizer sums its results up over the inputs.
    static func makeAggregate() -> RunAggregate?

    init()

    /// Reads this run's options (every key of the run's mapping except `visualizer` and `name`).
    func configure(_ options: ConfigMapping, model: Model) throws

    func run(_ context: RunContext) throws
}

// MARK: - Default implementations

extension Visualizer {
    public static var readsInputs: Bool { true }
    public static var roles: [ArtifactRole] { [] }
    public static func makeAggregate() -> RunAggregate? { nil }
}
