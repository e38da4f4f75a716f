import Foundation
import Hummingbird
import NIOCore
import VizCore
import VizImage

/// The server's answers: pictures as PNG, arrays as the `.npy` files a run writes, JSON, HTML, YAML.
enum Responses {
    static func png(_ bitmap: Bitmap) throws -> Response {
        data(try bitmap.pngData(), type: "image/png")
    }

    /// A float32 `.npy` file, offered for download as `name.npy`.
    static func npy(_ tensor: Tensor, name: String) -> Response {
        var response = data(tensor.npyData(), type: "application/octet-stream")
        response.headers[.contentDisposition] = "attachment; filename=\"\(SafeName.component(name)).npy\""
        return response
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return data(try encoder.encode(value), type: "application/json")
    }

    static func text(_ text: String, type: String) -> Response {
        data(Data(text.utf8), type: type)
    }

    static func data(_ data: Data, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
