import Foundation
import VizCore

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Loads plugin shared libraries (`plugins:` in a config, `--plugin` on the command line) and
/// registers what they offer, with the library's path as origin.
///
/// Every failure is a one-line `VizError` naming the library: a file that is not a shared library,
/// one without vizrun's entry points, or one built for another plugin API version. Libraries stay
/// loaded for the life of the process: their types live in the registry, and Swift code cannot be
/// unloaded safely.
extension Registry {
    public func loadPlugin(at path: String) throws {
        let path = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        // The same library named twice (config and --plugin) is loaded once, not a clash with itself.
        let origins = loaders.map(\.origin) + visualizers.map(\.origin) + layerTypes.map(\.origin)
        guard !origins.contains(path) else { return }
        guard FileManager.default.fileExists(atPath: path) else { throw VizError("no such plugin library", at: path) }
        // RTLD_LOCAL keeps one plugin's symbols from resolving another's; VizCore's types are still
        // shared, because the plugin's dependency on libVizCore.so resolves to the copy vizrun loaded.
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw VizError("cannot load the plugin library: \(Self.lastLoaderError())", at: path)
        }
        let apiVersion = try Self.symbol(
            PluginAPI.versionSymbol, in: library, path: path,
            as: (@convention(c) () -> Int32).self)()
        guard apiVersion == PluginAPI.version else {
            throw VizError(
                "the plugin was built for vizrun plugin API \(apiVersion), but this vizrun has API "
                    + "\(PluginAPI.version); rebuild it against this vizrun", at: path)
        }
        let register = try Self.symbol(
            PluginAPI.registerSymbol, in: library, path: path,
            as: (@convention(c) (UnsafeMutableRawPointer) -> Void).self)
        let registrar = PluginRegistrar(registry: self, origin: path)
        withExtendedLifetime(registrar) { register(registrar.handle) }
        if let failure = registrar.failure { throw failure }
    }

    private static func symbol<Function>(
        _ name: String, in library: UnsafeMutableRawPointer, path: String,
        as type: Function.Type
    ) throws -> Function {
        _ = dlerror()
        guard let address = dlsym(library, name) else {
            throw VizError("is not a vizrun plugin: \(lastLoaderError())", at: path)
        }
        return unsafeBitCast(address, to: type)
    }

    private static func lastLoaderError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown dynamic loader error"
    }
}
