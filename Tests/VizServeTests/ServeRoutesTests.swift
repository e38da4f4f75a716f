import Foundation
import Hummingbird
import NIOCore
import VizCore
import VizImage
import VizRunner
import XCTest

@testable import VizServe

/// Every endpoint answers what it promises, for the demo convnet and the seed config's photos.
final class ServeRoutesTests: ServeTestCase {
    /// The served HTML itself lists every layer with its class, shape and parameters, and the
    /// inputs: the page works before (and without) its script.
    func testPageListsLayersAndInputsInItsHTML() async throws {
        let explorer = try makeExplorer()
        try await withClient(explorer) { client in
            let response = try await client.execute(uri: "/", method: .get)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.contentType, "text/html; charset=utf-8")
            let page = response.text
            let script = try XCTUnwrap(page.range(of: "<script>"))
            let beforeScript = String(page[..<script.lowerBound])
            for layer in explorer.model.layers {
                let shape = ShapeCheck.describe([-1] + explorer.model.outputShape(of: layer))
                XCTAssertTrue(
                    beforeScript.contains(
                        ">\(layer.name)</a></th><td>\(layer.className)</td><td>\(shape)</td><td>\(layer.parameterCount)</td>")
                        || beforeScript.contains(
                            "<th scope=\"row\">\(layer.name)</th><td>\(layer.className)</td><td>\(shape)</td>"
                                + "<td>\(layer.parameterCount)</td>"),
                    "layer \(layer.name) is not listed")
            }
            XCTAssertTrue(beforeScript.contains("<td>Conv2D</td><td>(None, 148, 148, 32)</td><td>896</td>"))
            XCTAssertTrue(beforeScript.contains("\(explorer.model.parameterCount) parameters"))
            XCTAssertTrue(beforeScript.contains(#"<img src="/input.png?input=chelsea""#))
            XCTAssertTrue(beforeScript.contains(#"<img src="/input.png?input=coffee""#))
            XCTAssertFalse(page.contains("http://") || page.contains("https://"), "the page names an external URL")
        }
    }

    /// With a layer, a channel and a class chosen, the page holds their pictures and the predictions with labels.
    func testPageShowsTheChosenLayerChannelAndClass() async throws {
        try await withClient { client in
            let page = try await client.execute(
                uri: "/?input=coffee&layer=conv2d_1&channel=5&class=3&method=gradcam&method=vanilla", method: .get
            ).text
            XCTAssertTrue(page.contains(#"<img src="/activations/grid.png?input=coffee&layer=conv2d_1""#), page)
            XCTAssertTrue(page.contains(#"src="/activations/channel.png?input=coffee&layer=conv2d_1&channel=5""#))
            XCTAssertTrue(page.contains(#"src="/attribution.png?input=coffee&method=gradcam&class=3&picture=overlay""#))
            XCTAssertTrue(page.contains(#"src="/attribution.png?input=coffee&method=vanilla&class=3&picture=saliency""#))
            XCTAssertTrue(page.contains("coffee (class \n3)") || page.contains("coffee (class 3)"), page)
            XCTAssertTrue(page.contains(#"href="/config.yaml?input=coffee&amp;layer=conv2d_1&amp;channel=5&amp;class=3"#))
        }
    }

    /// The page's "this view as a config" link (no script needed) gives a config the runner accepts,
    /// with the view's layer, channel and methods.
    func testThisViewAsAConfig() async throws {
        let folder = self.folder!
        try await withClient { client in
            let response = try await client.execute(
                uri: "/config.yaml?input=chelsea&layer=conv2d_1&channel=5&class=2&method=gradcam&method=rise", method: .get)
            XCTAssertEqual(response.status, .ok, response.text)
            XCTAssertTrue(
                response.text.hasSuffix(
                    """
                    runs:
                      - {visualizer: activations, name: activations, layers: ["conv2d_1"], channels: [5]}
                      - {visualizer: gradcam, name: gradcam, method: "gradcam", class: 2}
                      - {visualizer: saliency, name: saliency, method: "rise", class: 2}

                    """), response.text)
            let config = folder.appendingPathComponent("view.yaml")
            try response.data.write(to: config)
            let plan = try Runner(registry: .builtins()).plan(configAt: config.path)
            XCTAssertEqual(plan.config.input.images, [Self.images + "/chelsea.jpg"])
            XCTAssertEqual(plan.config.input.batchSize, 1)
        }
    }

    func testInputPictureIsTheRunsInputPicture() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/input.png?input=chelsea", method: .get)
            XCTAssertEqual(response.contentType, "image/png")
            let picture = try Bitmap(encodedImage: response.data)
            XCTAssertEqual([picture.width, picture.height, picture.channels], [150, 150, 3])
        }
    }

    func testActivationsSummaryAndPictureSizes() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/activations.json?input=chelsea&layer=conv2d_1", method: .get)
            let summary = try JSONSerialization.jsonObject(with: response.data) as! [String: Any]
            XCTAssertEqual(summary["shape"] as? [Int], [72, 72, 64])
            XCTAssertEqual(summary["channels"] as? Int, 64)
            let channel = try Bitmap(
                encodedImage: try await client.execute(
                    uri: "/activations/channel.png?input=chelsea&layer=conv2d_1&channel=0", method: .get
                ).data)
            XCTAssertEqual([channel.width, channel.height], [72, 72])
            let dense = try await client.execute(uri: "/activations/activation.npy?input=chelsea&layer=dense", method: .get)
            XCTAssertEqual(try Tensor(npyData: dense.data).shape, [64])
        }
    }

    /// A layer's activations are computed once per input, whichever of its pictures are asked for.
    func testActivationsAreComputedOncePerInputAndLayer() async throws {
        let explorer = try makeExplorer()
        try await withClient(explorer) { client in
            for uri in [
                "/activations/grid.png?input=chelsea&layer=conv2d",
                "/activations/channel.png?input=chelsea&layer=conv2d&channel=3",
                "/activations/activation.npy?input=chelsea&layer=conv2d", "/activations/grid.png?input=chelsea&layer=conv2d",
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(response.status, .ok, uri)
            }
            XCTAssertEqual(explorer.activationPasses, 1)
            _ = try await client.execute(uri: "/activations/grid.png?input=coffee&layer=conv2d", method: .get)
            XCTAssertEqual(explorer.activationPasses, 2)
        }
    }

    func testPredictionsAreLabelledBestFirst() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/predictions.json?input=chelsea&top=3", method: .get)
            let predictions = try JSONDecoder().decode([Prediction].self, from: response.data)
            XCTAssertEqual(predictions.count, 3)
            XCTAssertEqual(predictions.map(\.score), predictions.map(\.score).sorted(by: >))
            XCTAssertEqual(predictions.first?.label, "chelsea")
        }
    }

    /// A filter job reports its progress and stops when cancelled; the patterns it finished stay.
    func testFilterJobCanBeCancelled() async throws {
        try await withClient { client in
            let channels = (0..<16).map { "channel=\($0)" }.joined(separator: "&")
            let started = try await client.execute(uri: "/filters?layer=conv2d_3&\(channels)", method: .post)
            let job = try JSONDecoder().decode(FilterJobs.Status.self, from: started.data)
            XCTAssertEqual(job.channels, Array(0..<16))
            let cancelled = try await client.execute(uri: "/filters/\(job.id)", method: .delete)
            XCTAssertTrue(try JSONDecoder().decode(FilterJobs.Status.self, from: cancelled.data).cancelRequested)
            let finished = try await waitForJob(job.id, client)
            XCTAssertEqual(finished.state, .cancelled)
            XCTAssertLessThan(finished.done, 16)
            let refused = try await client.execute(uri: "/filters?layer=conv2d_3&channel=128", method: .post)
            assertRefusal(refused, .badRequest, "channel 128 is out of range: layer 'conv2d_3' has 128 channels")
        }
    }

    /// A pattern's ascent reports each of its steps (the `filters` run's default 40), and a job's
    /// status carries them.
    func testFilterJobCountsTheAscentsSteps() async throws {
        let explorer = try makeExplorer()
        let seen = NSMutableArray()
        _ = try await explorer.pattern(layer: "conv2d", channel: 1) { step, steps in seen.add([step, steps]) }
        XCTAssertEqual(seen as? [[Int]], (1...40).map { [$0, 40] })
        try await withClient(explorer) { client in
            let started = try await client.execute(uri: "/filters?layer=conv2d&channel=2", method: .post)
            XCTAssertEqual(started.status, .ok, started.text)
            let finished = try await waitForJob(1, client)
            XCTAssertEqual(finished.state, .done)
            XCTAssertEqual([finished.done, finished.step, finished.steps], [1, 0, 40])
        }
    }

    /// Requests from two tabs at once get the results each would get alone.
    func testConcurrentRequestsGetTheirOwnResults() async throws {
        let explorer = try makeExplorer()
        let layers = ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"]
        var alone: [String: Data] = [:]
        for layer in layers {
            alone[layer] = try await explorer.activations(input: "coffee", layer: layer).activation.npyData()
        }
        let fresh = try makeExplorer()
        try await withThrowingTaskGroup(of: (String, Data).self) { group in
            for layer in layers + layers.reversed() {
                group.addTask { (layer, try await fresh.activations(input: "coffee", layer: layer).activation.npyData()) }
            }
            for try await (layer, data) in group { XCTAssertEqual(data, alone[layer], layer) }
        }
    }
}
