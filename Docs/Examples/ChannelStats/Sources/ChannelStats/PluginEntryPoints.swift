import VizCore

// MARK: - What vizrun calls when it loads the library

/// The plugin API this library was compiled against; vizrun refuses a library built for another.
@_cdecl("vizrun_plugin_api_version")
public func vizrunPluginAPIVersion() -> Int32 {
    PluginAPI.version
}

/// Registers the library's visualizers (and loaders, if it had any) with the registry behind `handle`.
@_cdecl("vizrun_register_plugins")
public func vizrunRegisterPlugins(_ handle: UnsafeMutableRawPointer) {
    PluginRegistrar.with(handle) { registrar in
        registrar.register(visualizer: ChannelStatsVisualizer.self)
    }
}
