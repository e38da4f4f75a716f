import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

@testable import VizServe

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Requests to `vizrun serve`'s server running in this process, over a real socket on 127.0.0.1,
/// through Foundation's URLSession: every byte goes through the server the command runs.
struct LoopbackClient: Sendable {
    let base: String

    struct Response {
        let status: HTTPResponse.Status
        let contentType: String?
        let body: ByteBuffer

        var text: String { String(buffer: body) }
        var data: Data { Data(body.readableBytesView) }
    }

    func execute(uri: String, method: HTTPRequest.Method, body: ByteBuffer? = nil) async throws -> Response {
        var request = URLRequest(url: URL(string: base + uri.dropFirst())!)
        request.httpMethod = method.rawValue
        request.httpBody = body.map { Data($0.readableBytesView) }
        // The server answers a refused upload at once; curl's default pause for large bodies only slows the tests.
        request.setValue("", forHTTPHeaderField: "Expect")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let answer = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return Response(
            status: HTTPResponse.Status(code: answer.statusCode),
            contentType: answer.value(forHTTPHeaderField: "Content-Type"), body: ByteBuffer(bytes: data))
    }

    /// Runs `body` with a client of a server for `explorer` on a free port, shut down gracefully
    /// (as by Ctrl-C) when `body` ends.
    static func serving(
        _ explorer: Explorer, _ body: @escaping @Sendable (LoopbackClient) async throws -> Void
    ) async throws {
        let (bound, announce) = AsyncStream<String>.makeStream()
        let server = ServiceGroup(
            services: [VizServer.application(explorer, host: "127.0.0.1", port: 0) { announce.yield($0) }],
            gracefulShutdownSignals: [], logger: Logger(label: "vizrun-serve-test"))
        async let serving: Void = server.run()
        var urls = bound.makeAsyncIterator()
        var failure: (any Error)?
        do {
            guard let base = await urls.next() else { throw URLError(.cannotConnectToHost) }
            try await body(LoopbackClient(base: base))
        } catch {
            failure = error
        }
        await server.triggerGracefulShutdown()
        try await serving
        if let failure { throw failure }
    }
}
