import Foundation
import Hummingbird
import NIOCore
import VizCore
import VizImage

/// The server's endpoints. Inputs, layers and methods are named in query parameters, never in
/// the path: layer names may hold `/` or `..`, and no parameter is ever used as a file path (an
/// input is one of the explorer's by id, an upload's file name is made safe), so no request can
/// read a file outside the model, the inputs and the upload folder.
public enum ServeRoutes {
    /// The largest upload accepted: a photo, not a data set.
    public static let uploadLimit = 20 * 1024 * 1024

    public static func router(_ explorer: Explorer) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: OneLineErrors())
        router.get("/") { request, _ in
            let html = try await ServePage(explorer: explorer, query: Query(request)).html()
            return Responses.text(html, type: "text/html; charset=utf-8")
        }
        router.get("/input.png") { request, _ in
            let picture = try await explorer.picture(input: Query(request).string("input"))
            return try Responses.png(picture)
        }
        addActivations(to: router, explorer)
        addAttributions(to: router, explorer)
        addFilters(to: router, explorer)
        router.post("/inputs") { request, _ in
            let name = Query(request).optional("name") ?? "upload"
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: uploadLimit) } catch is NIOTooManyBytesError {
                throw tooLarge(name)
            }
            let source = try await explorer.addUpload(Data(buffer.readableBytesView), name: name)
            return try Responses.json(["id": source.id])
        }
        router.get("/config.yaml") { request, _ in
            Responses.text(try explorer.savedConfig(ServePage.configRequest(Query(request))), type: "application/yaml")
        }
        router.post("/config.yaml") { request, context in
            let saved: ConfigRequest
            do { saved = try await request.decode(as: ConfigRequest.self, context: context) } catch {
                throw ServeError.badRequest("the body is not a list of views as JSON: \(error)")
            }
            return Responses.text(try explorer.savedConfig(saved), type: "application/yaml")
        }
        return router
    }

    private static func tooLarge(_ name: String) -> ServeError {
        ServeError(
            status: .contentTooLarge, message: "the upload '\(name)' is larger than \(uploadLimit / 1024 / 1024) MB")
    }

    /// A layer's activations for an input, and one channel of them.
    private static func addActivations(to router: Router<BasicRequestContext>, _ explorer: Explorer) {
        struct Summary: Encodable {
            let layer: String
            let shape: [Int]
            let channels: Int
            let stats: LayerStats?
        }
        @Sendable func activations(_ query: Query) async throws -> LayerActivations {
            try await explorer.activations(input: query.string("input"), layer: query.string("layer"))
        }
        @Sendable func channel(_ query: Query) async throws -> (LayerActivations, Int, String) {
            let (name, channel) = (try query.string("layer"), try query.int("channel"))
            try explorer.checkChannel(channel, of: explorer.layer(name))
            return (try await activations(query), channel, name)
        }
        router.get("/activations.json") { request, _ in
            let query = Query(request)
            let result = try await activations(query)
            return try Responses.json(
                Summary(
                    layer: try query.string("layer"), shape: result.activation.shape, channels: result.channels.count,
                    stats: result.stats))
        }
        router.get("/activations/grid.png") { request, _ in
            let query = Query(request)
            guard let grid = try await activations(query).gridPNG else {
                throw ServeError.badRequest("layer '\(try query.string("layer"))' has no image-shaped output to draw as a grid")
            }
            return Responses.data(grid, type: "image/png")
        }
        router.get("/activations/activation.npy") { request, _ in
            Responses.npy(try await activations(Query(request)).activation, name: try Query(request).string("layer"))
        }
        router.get("/activations/channel.png") { request, _ in
            let (result, index, _) = try await channel(Query(request))
            return try Responses.png(result.channels[index])
        }
        router.get("/activations/channel.npy") { request, _ in
            let (result, index, name) = try await channel(Query(request))
            return Responses.npy(result.channel(index), name: "\(name)_channel_\(index)")
        }
        router.get("/activations/channel.json") { request, _ in
            let (result, index, name) = try await channel(Query(request))
            return try Responses.json(ChannelStatistics(layer: name, channel: index, values: result.channel(index)))
        }
    }

    /// Predictions, and class-activation maps and attributions of one class.
    private static func addAttributions(to router: Router<BasicRequestContext>, _ explorer: Explorer) {
        @Sendable func attribution(_ query: Query) async throws -> (ResultSink, String) {
            let view = try explorer.attributionView(
                method: query.string("method"), layer: query.optional("layer"), classIndex: query.int("class"))
            let picture = query.optional("picture") ?? (view.visualizer == "gradcam" ? "overlay" : "saliency")
            return (try await explorer.attribution(input: query.string("input"), view: view), picture)
        }
        router.get("/predictions.json") { request, _ in
            let query = Query(request)
            let top = try query.optionalInt("top") ?? 5
            guard top >= 1 else { throw ServeError.badRequest("parameter 'top' must be at least 1, got \(top)") }
            return try Responses.json(Array(try await explorer.predictions(input: query.string("input")).prefix(top)))
        }
        router.get("/attribution.png") { request, _ in
            let (sink, picture) = try await attribution(Query(request))
            guard let image = sink.image(role: picture) else { throw noPicture(picture, in: sink) }
            return try Responses.png(image)
        }
        router.get("/attribution.npy") { request, _ in
            let (sink, picture) = try await attribution(Query(request))
            guard let array = sink.array(role: picture)?.1 else { throw noPicture(picture, in: sink) }
            return Responses.npy(array.withoutBatchAxis, name: picture)
        }
    }

    private static func noPicture(_ picture: String, in sink: ResultSink) -> ServeError {
        let roles = Array(Set(sink.images.map(\.0.role))).sorted()
        return ServeError.notFound("no picture '\(picture)' for this method; it draws \(roles.joined(separator: ", "))")
    }

    /// Filter patterns: started in the background, followed, cancelled, then served.
    private static func addFilters(to router: Router<BasicRequestContext>, _ explorer: Explorer) {
        router.post("/filters") { request, _ in
            let query = Query(request)
            let layer = try explorer.layer(query.string("layer"))
            let channels = try query.all("channel").map { text in
                guard let channel = Int(text) else {
                    throw ServeError.badRequest("parameter 'channel' must be a whole number, got '\(text)'")
                }
                try explorer.checkChannel(channel, of: layer)
                return channel
            }
            guard !channels.isEmpty else { throw ServeError.badRequest("missing parameter 'channel'") }
            guard channels.count <= FilterJobs.maximumChannels else {
                throw ServeError.badRequest("at most \(FilterJobs.maximumChannels) patterns per job, got \(channels.count)")
            }
            return try Responses.json(explorer.jobs.start(layer: layer.name, channels: channels, explorer: explorer))
        }
        @Sendable func job(_ context: BasicRequestContext) throws -> Int {
            guard let id = context.parameters.get("id", as: Int.self), explorer.jobs.status(id) != nil else {
                throw ServeError.notFound("no filter job '\(context.parameters.get("id") ?? "")'")
            }
            return id
        }
        router.get("/filters/:id") { _, context in try Responses.json(explorer.jobs.status(try job(context))) }
        router.delete("/filters/:id") { _, context in try Responses.json(explorer.jobs.cancel(try job(context))) }
        @Sendable func pattern(_ query: Query) async throws -> (ResultSink, String) {
            let (layer, channel) = (try explorer.layer(query.string("layer")), try query.int("channel"))
            try explorer.checkChannel(channel, of: layer)
            guard let sink = explorer.cachedPattern(layer: layer.name, channel: channel) else {
                throw ServeError.notFound("the pattern of channel \(channel) of layer '\(layer.name)' is not computed yet")
            }
            return (sink, "\(layer.name)_filter_\(channel)")
        }
        router.get("/pattern.png") { request, _ in
            let (sink, _) = try await pattern(Query(request))
            guard let image = sink.image(role: "pattern") else { throw noPicture("pattern", in: sink) }
            return try Responses.png(image)
        }
        router.get("/pattern.npy") { request, _ in
            let (sink, name) = try await pattern(Query(request))
            guard let array = sink.array(role: "pattern")?.1 else { throw noPicture("pattern", in: sink) }
            return Responses.npy(array.withoutBatchAxis, name: name)
        }
    }
}
