import Hummingbird
import Logging
import NIOCore

/// `vizrun serve`'s server: the explorer's routes on `host:port` until SIGINT or SIGTERM.
public enum VizServer {
    /// Serves until interrupted; `started` receives the page's URL once the port is bound (port 0
    /// picks a free one, which the URL names).
    public static func run(
        _ explorer: Explorer, host: String, port: Int, started: @escaping @Sendable (String) -> Void
    ) async throws {
        try await application(explorer, host: host, port: port, started: started).runService()
    }

    /// The server as a service, for a service group of the caller's (a test stops it gracefully).
    static func application(
        _ explorer: Explorer, host: String, port: Int, started: @escaping @Sendable (String) -> Void
    ) -> some ApplicationProtocol {
        // The server's own lines (connections, requests) only when something goes wrong.
        var logger = Logger(label: "vizrun-serve")
        logger.logLevel = .warning
        return Application(
            router: ServeRoutes.router(explorer),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "vizrun"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                started("http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/")
            },
            logger: logger)
    }
}
