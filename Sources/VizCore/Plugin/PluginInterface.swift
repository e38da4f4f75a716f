/// The contract between vizrun and a plugin shared library.
///
/// A plugin exports two C functions (see Docs/plugins.md):
///
/// ```swift
/// @_cdecl("vizrun_plugin_api_version")
/// public func vizrunPluginAPIVersion() -> Int32 { PluginAPI.version }
///
/// @_cdecl("vizrun_register_plugins")
/// public func vizrunRegisterPlugins(_ handle: UnsafeMutableRawPointer) {
///     PluginRegistrar.with(handle) { $0.register(visualizer: MyVisualizer.self) }
/// }
/// ```
///
/// It registers any number of visualizers, model loaders and layer types (`register(layer:)`).
/// Only C values cross the boundary (an `Int32`, an opaque pointer); Swift types are shared through
/// the one copy of VizCore that host and plugin both link dynamically.
public enum PluginAPI {
    /// Raised whenever a change to VizCore's public types would break plugins built before it.
    ///
    /// Emitted into the client, so a plugin reports the version it was compiled against rather
    /// than the one of the VizCore it runs with.
    @_alwaysEmitIntoClient
    public static var version: Int32 { 7 }

    public static let versionSymbol = "vizrun_plugin_api_version"
    public static let registerSymbol = "vizrun_register_plugins"
}

// MARK: - Registration

/// What a plugin's register function receives, behind the opaque handle: the registry, and the
/// library's path as the origin of everything it registers.
///
/// A C function cannot throw, so the first registration error is kept here for the host to report.
public final class PluginRegistrar {
    public let registry: Registry
    /// The library's path, shown by `vizrun plugins` and in name-clash errors.
    public let origin: String
    public private(set) var failure: VizError?

    public init(registry: Registry, origin: String) {
        self.registry = registry
        self.origin = origin
    }

    /// Turns the handle a plugin's register function received back into the registrar, for `body`.
    public static func with(_ handle: UnsafeMutableRawPointer, _ body: (PluginRegistrar) -> Void) {
        body(Unmanaged<PluginRegistrar>.fromOpaque(handle).takeUnretainedValue())
    }

    /// The handle to pass to a plugin's register function; valid while the registrar lives.
    public var handle: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    public func register(visualizer: Visualizer.Type) {
        record { try registry.register(visualizer: visualizer, origin: origin) }
    }

    public func register(loader: ModelLoader.Type) {
        record { try registry.register(loader: loader, origin: origin) }
    }

    public func register(layer: LayerType.Type) {
        record { try registry.register(layer: layer, origin: origin) }
    }

    private func record(_ registration: () throws -> Void) {
        guard failure == nil else { return }
        do { try registration() } catch let error as VizError { failure = error } catch {
            failure = VizError("\(error)", at: origin)
        }
    }
}
