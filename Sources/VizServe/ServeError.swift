import Hummingbird
import NIOCore
import VizCore

/// A refused request: a 4xx status and one line of plain text that says what is wrong and with
/// which input, layer or parameter.
struct ServeError: Error, Equatable {
    let status: HTTPResponse.Status
    let message: String

    static func notFound(_ message: String) -> ServeError { ServeError(status: .notFound, message: message) }
    static func badRequest(_ message: String) -> ServeError { ServeError(status: .badRequest, message: message) }

    /// A problem with what the request asks of the model (a layer Grad-CAM cannot use, an input
    /// the model does not take), in the words `vizrun` would print; only its first line.
    static func refused(_ error: VizError) -> ServeError {
        let line = error.message.split(separator: "\n").first.map(String.init) ?? error.message
        return ServeError(status: .unprocessableContent, message: line)
    }

    var response: Response { Self.plainResponse(status: status, message: message) }

    static func plainResponse(status: HTTPResponse.Status, message: String) -> Response {
        let line = message.replacingOccurrences(of: "\n", with: " ")
        return Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: line + "\n")))
    }
}

/// Turns every failure into a one-line plain-text response: the server's own refusals, the
/// router's (no such route), an upload over the limit, a `VizError` from the engine; anything
/// else is a 500 with its description, never a dropped connection.
struct OneLineErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as ServeError {
            return error.response
        } catch let error as VizError {
            return ServeError.refused(error).response
        } catch let error as VizErrors {
            return ServeError.refused(error.errors[0]).response
        } catch let error as HTTPError {
            let message =
                error.status == .notFound ? "no such page: \(request.uri.path)" : error.body ?? error.status.reasonPhrase
            return ServeError.plainResponse(status: error.status, message: message)
        } catch is NIOTooManyBytesError {
            return ServeError.plainResponse(status: .contentTooLarge, message: "the upload is larger than the limit")
        } catch {
            return ServeError.plainResponse(status: .internalServerError, message: "internal error: \(error)")
        }
    }
}
