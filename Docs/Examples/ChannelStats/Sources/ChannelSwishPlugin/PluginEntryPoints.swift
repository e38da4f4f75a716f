import ChannelSwish
import VizCore

// MARK: - What vizrun calls when it loads the library

// The entry points live in a target of their own, apart from the layer's code, because a package's
// test targets are linked into one test program, where ChannelStats already defines these symbols.

/// The plugin API this library was compiled against; vizrun refuses a library built for another.
@_cdecl("vizrun_plugin_api_version")
public func vizrunPluginAPIVersion() -> Int32 {
    PluginAPI.version
}

/// Registers the library's layer type with the registry behind `handle`.
@_cdecl("vizrun_register_plugins")
public func vizrunRegisterPlugins(_ handle: UnsafeMutableRawPointer) {
    PluginRegistrar.with(handle) { registrar in
        registrar.register(layer: ChannelSwishLayer.self)
    }
}
