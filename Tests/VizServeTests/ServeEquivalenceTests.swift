import Foundation
import Hummingbird
import NIOCore
import VizCore
import VizRunner
import XCTest

@testable import VizServe

/// What the server serves is what `vizrun` writes: the page's views saved as a config, run by the
/// runner (whose results the golden tests hold to Keras, pytorch-grad-cam and Captum), give the same
/// bytes for every picture and array.
final class ServeEquivalenceTests: ServeTestCase {
    func testServedPicturesAndArraysEqualTheRunOfTheSavedConfig() async throws {
        let explorer = try makeExplorer()
        let folder = self.folder!
        let photo = try Data(contentsOf: URL(fileURLWithPath: Self.images).appendingPathComponent("chelsea.jpg"))
        try await withClient(explorer) { client in
            let upload = try await client.execute(
                uri: "/inputs?name=\(encoded("my photo.jpg"))", method: .post, body: ByteBuffer(bytes: photo))
            XCTAssertEqual(upload.status, .ok, upload.text)
            XCTAssertEqual(upload.text, #"{"id":"my_photo"}"#)
            let job = try await client.execute(uri: "/filters?layer=conv2d&channel=2", method: .post)
            XCTAssertEqual(job.status, .ok, job.text)
            try await waitForJob(1, client)

            let views = """
                {"inputs": ["coffee", "my_photo"],
                 "activations": [{"layer": "conv2d_1", "channels": [3]}, {"layer": "conv2d_1", "channels": [5]}],
                 "attributions": [{"method": "gradcam", "layer": "conv2d_2", "class": 3}, {"method": "vanilla", "class": 3}],
                 "filters": [{"layer": "conv2d", "channel": 2}]}
                """
            let saved = try await client.execute(uri: "/config.yaml", method: .post, body: ByteBuffer(string: views))
            XCTAssertEqual(saved.status, .ok, saved.text)
            let config = folder.appendingPathComponent("saved.yaml")
            try saved.data.write(to: config)
            let output = try Runner(registry: .builtins()).run(
                configAt: config.path, outputDirectory: folder.appendingPathComponent("out").path)
            let runs = try output.manifest().runs
            XCTAssertEqual(runs.map(\.name), ["activations", "gradcam", "saliency", "filters"])

            func written(_ run: String, _ role: String, _ kind: String, input: String? = nil, channel: Int? = nil) throws -> Data
            {
                let record = try XCTUnwrap(
                    runs.first { $0.name == run }?.artifacts.first {
                        $0.role == role && $0.kind == kind && $0.input == input && $0.channel == channel
                    }, "\(run) wrote no \(kind) \(role) for \(input ?? "-") \(channel.map(String.init) ?? "")")
                return try Data(contentsOf: output.folder.appendingPathComponent(record.path))
            }
            func served(_ uri: String) async throws -> Data {
                let response = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(response.status, .ok, "\(uri): \(response.text)")
                return response.data
            }
            for input in ["coffee", "my_photo"] {
                let layer = "input=\(input)&layer=conv2d_1"
                let grid = try await served("/activations/grid.png?\(layer)")
                XCTAssertEqual(grid, try written("activations", "grid", "image", input: input))
                let activation = try await served("/activations/activation.npy?\(layer)")
                XCTAssertEqual(activation, try written("activations", "activation", "array", input: input))
                for channel in [3, 5] {
                    let picture = try await served("/activations/channel.png?\(layer)&channel=\(channel)")
                    XCTAssertEqual(picture, try written("activations", "channel", "image", input: input, channel: channel))
                }
                let cam = "input=\(input)&method=gradcam&layer=conv2d_2&class=3"
                let overlay = try await served("/attribution.png?\(cam)&picture=overlay")
                XCTAssertEqual(overlay, try written("gradcam", "overlay", "image", input: input))
                let heatmap = try await served("/attribution.npy?\(cam)&picture=heatmap")
                XCTAssertEqual(heatmap, try written("gradcam", "heatmap", "array", input: input))
                let saliency = try await served("/attribution.npy?input=\(input)&method=vanilla&class=3")
                XCTAssertEqual(saliency, try written("saliency", "saliency", "array", input: input))
                let predictions = try await client.execute(uri: "/predictions.json?input=\(input)&top=5", method: .get)
                let listed = try JSONDecoder().decode([Prediction].self, from: predictions.data)
                XCTAssertEqual(listed, runs.first { $0.name == "gradcam" }?.predictions?.first { $0.input == input }?.top)
            }
            let pattern = try await served("/pattern.npy?layer=conv2d&channel=2")
            XCTAssertEqual(pattern, try written("filters", "pattern", "array"))
            let patternPicture = try await served("/pattern.png?layer=conv2d&channel=2")
            XCTAssertEqual(patternPicture, try written("filters", "pattern", "image"))
        }
    }

    /// A channel's statistics and `.npy` are that channel of the layer's activation array.
    func testChannelArrayAndStatisticsAreTheChannelOfTheActivation() async throws {
        try await withClient { client in
            let query = "input=chelsea&layer=conv2d_3"
            let whole = try Tensor(
                npyData: try await client.execute(uri: "/activations/activation.npy?\(query)", method: .get).data)
            let (height, width, depth) = (whole.shape[0], whole.shape[1], whole.shape[2])
            let values = { (channel: Int) in (0..<(height * width)).map { whole.scalars[$0 * depth + channel] } }
            // A channel that varies (several of this layer's are dead, all 0, for this photo).
            let index = try XCTUnwrap((0..<depth).first { Set(values($0)).count > 2 })
            let expected = values(index)
            let channel = try Tensor(
                npyData: try await client.execute(uri: "/activations/channel.npy?\(query)&channel=\(index)", method: .get).data)
            XCTAssertEqual(channel.shape, [height, width])
            XCTAssertEqual(channel.scalars, expected)
            let response = try await client.execute(
                uri: "/activations/channel.json?\(query)&channel=\(index)", method: .get)
            let stats = try JSONDecoder().decode(ChannelStatistics.self, from: response.data)
            XCTAssertEqual(stats.minimum, expected.min())
            XCTAssertEqual(stats.maximum, expected.max())
            let mean = expected.reduce(0.0) { $0 + Double($1) } / Double(expected.count)
            XCTAssertEqual(Double(stats.mean), mean, accuracy: 1e-5 * max(1, abs(mean)))
            XCTAssertEqual(stats.channel, index)
            XCTAssertEqual([stats.height, stats.width], [height, width])
        }
    }
}

extension ServeEquivalenceTests {
    /// An uploaded `.npy` array is the input as it is: coffee's preprocessed array, uploaded, gives
    /// coffee's activations byte for byte; an array of the wrong size is refused and not kept.
    func testAnUploadedArrayIsTheInputAsItIs() async throws {
        let explorer = try makeExplorer()
        let coffee = try explorer.preparation.prepare(try explorer.source("coffee")).tensor
        let uploads = folder.appendingPathComponent("uploads")
        try await withClient(explorer) { client in
            let upload = try await client.execute(
                uri: "/inputs?name=array.npy", method: .post, body: ByteBuffer(bytes: coffee.npyData()))
            XCTAssertEqual(upload.status, .ok, upload.text)
            XCTAssertEqual(upload.text, #"{"id":"array"}"#)
            for layer in ["conv2d", "conv2d_3"] {
                let served = try await client.execute(
                    uri: "/activations/activation.npy?input=array&layer=\(layer)", method: .get)
                let expected = try await client.execute(
                    uri: "/activations/activation.npy?input=coffee&layer=\(layer)", method: .get)
                XCTAssertEqual(served.status, .ok, served.text)
                XCTAssertEqual(served.data, expected.data, layer)
            }
            let small = Tensor(shape: [1, 10, 10, 3], scalars: [Float](repeating: 0.5, count: 300))
            let refused = try await client.execute(
                uri: "/inputs?name=small.npy", method: .post, body: ByteBuffer(bytes: small.npyData()))
            assertRefusal(refused, .badRequest, "the upload 'small.npy' cannot be read:")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path), ["array.npy"])
    }
}

/// Polls filter job `id` until it stops running (at most a minute).
@discardableResult
func waitForJob(_ id: Int, _ client: LoopbackClient) async throws -> FilterJobs.Status {
    for _ in 0..<600 {
        let response = try await client.execute(uri: "/filters/\(id)", method: .get)
        let status = try JSONDecoder().decode(FilterJobs.Status.self, from: Data(response.body.readableBytesView))
        if status.state != .running { return status }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
    throw VizError("filter job \(id) still runs after a minute")
}
