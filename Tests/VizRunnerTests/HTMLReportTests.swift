import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

@testable import VizRunner

/// `report.html`: every artifact shown once, every link inside the output folder, nothing from
/// the network, and names from the model shown as text.
final class HTMLReportTests: RunnerTestCase {
    /// Every visualizer over the demo model, with labels (predictions) and a gif.
    private func runEverything() throws -> (manifest: Manifest, html: String, root: URL) {
        let labels = Self.demoModel.replacingOccurrences(of: ".h5", with: ".labels.txt")
        let config = try write(
            """
            model: {path: \(Self.demoModel), labels: \(labels)}
            input:
              images: [\(Self.demoImage)]
              size: [150, 150]
              scale: 1/255
            output:
              dir: out
            runs:
              - visualizer: activations
                name: acts
                layers: {first: 2}
                channels: [1]
              - visualizer: filters
                layer: conv2d
                filters: 2
                steps: 2
                step_size: 0.02
                gif: {frames: 2}
              - visualizer: gradcam
                name: cam
                class: [top, 1]
              - visualizer: saliency
            """)
        let manifest = try Runner(registry: .builtins()).run(configAt: config).manifest()
        let root = folder.appendingPathComponent("out")
        let html = try String(contentsOf: root.appendingPathComponent("report.html"), encoding: .utf8)
        return (manifest, html, root)
    }

    func testEveryArtifactAppearsOnceAndEveryLinkStaysInTheOutputFolder() throws {
        let (manifest, html, root) = try runEverything()
        XCTAssertEqual(Set(manifest.runs.map(\.visualizer)), ["activations", "filters", "gradcam", "saliency"])
        for artifact in manifest.runs.flatMap(\.artifacts) {
            let link = HTML.link(artifact.path)
            XCTAssertEqual(html.components(separatedBy: "href=\"\(link)\"").count - 1, 1, "href of \(artifact.path)")
            let sources = html.components(separatedBy: "src=\"\(link)\"").count - 1
            XCTAssertEqual(sources, artifact.kind == "array" ? 0 : 1, "src of \(artifact.path)")
        }
        for input in manifest.inputs {
            let image = try XCTUnwrap(input.image, "the input's picture")
            XCTAssertTrue(html.contains("src=\"\(HTML.link(image))\""), image)
        }

        let references = try Self.attributeValues(["href", "src"], in: html)
        XCTAssertFalse(references.isEmpty)
        for reference in references where !reference.hasPrefix("#") {
            let path = try XCTUnwrap(reference.removingPercentEncoding)
            let url = root.appendingPathComponent(path).standardizedFileURL
            XCTAssertTrue(url.path.hasPrefix(root.path + "/"), "leaves the output folder: \(reference)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "does not resolve: \(reference)")
        }
        for external in ["http:", "https:", "//", "@import", "url("] {
            XCTAssertFalse(html.lowercased().contains(external), "the report mentions \(external)")
        }
        XCTAssertFalse(html.contains("<script"), "the report needs no scripts")
    }

    func testTheReportShowsHeaderFactsStatsAndPredictions() throws {
        let (manifest, html, _) = try runEverything()
        XCTAssertNotNil(manifest.created)
        XCTAssertNotNil(manifest.seconds)
        for run in manifest.runs {
            let (seconds, compute, write) = (run.seconds, try XCTUnwrap(run.computeSeconds), try XCTUnwrap(run.writeSeconds))
            XCTAssertTrue(compute >= 0 && compute <= seconds && write >= 0, "\(run.name): \(seconds) \(compute) \(write)")
        }
        XCTAssertGreaterThan(manifest.model.parameters ?? 0, 0)
        let stats = try XCTUnwrap(manifest.runs[0].artifacts.first { $0.role == "grid" }?.stats)
        XCTAssertEqual(stats.layerClass, "Conv2D")
        XCTAssertEqual(stats.outputShape.count, 3)
        XCTAssertLessThanOrEqual(stats.minimum, stats.maximum)
        XCTAssertTrue((0...1).contains(stats.deadChannels))
        XCTAssertEqual(manifest.runs[0].options?["layers"], "{first: 2}")
        XCTAssertEqual(manifest.runs[0].options?["channels"], "[1]")
        for text in [
            "Parameters", "Total time", "Dead channels", "Value range", "Top 5 predictions", "chelsea",
            "<html lang=\"en\">", "<main", "<nav", "prefers-color-scheme: dark", "name=\"viewport\"",
        ] {
            XCTAssertTrue(html.contains(text), text)
        }
        // Every image has alt text.
        XCTAssertEqual(html.components(separatedBy: "<img ").count, html.components(separatedBy: "alt=\"").count)
    }

    func testOddNamesAreEscaped() throws {
        let hostile = "<script>alert(\"x\")</script>"
        let artifact = ArtifactRecord(
            kind: "image", role: "grid", input: "a\"b'c&d", layer: hostile, channel: nil, filter: nil, classIndex: nil,
            shape: nil, path: "run/a#b?c.png",
            stats: LayerStats(layerClass: "Conv2D<T>", outputShape: [2, 2, 1], minimum: 0, maximum: 1, deadChannels: 0))
        let unicode = ArtifactRecord(
            kind: "array", role: "activation", input: "a\"b'c&d", layer: "Schicht_ü_层_🙂",
            channel: nil, filter: nil, classIndex: nil, shape: [1], path: "run/x.npy")
        let manifest = Manifest(
            vizrun: Runner.version,
            model: .init(path: "/m/<model>.h5", loader: "hdf5", layers: 1, inputShape: [nil, 2, 3]),
            inputs: [.init(id: "a\"b'c&d", path: "/in/a\"b'c&d.png", shape: [2, 2, 3])],
            runs: [
                .init(
                    name: "<b>run</b>", visualizer: "activations", seconds: 0.5,
                    artifacts: [artifact, unicode], options: ["layers": "[\"<i>\"]"])
            ])
        let html = try HTMLReport.html(of: manifest)
        XCTAssertFalse(html.contains(hostile))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<b>run"))
        XCTAssertFalse(html.contains("<i>"))
        XCTAssertFalse(html.contains("<model>"))
        XCTAssertFalse(html.contains("Conv2D<T>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("a&quot;b&#39;c&amp;d"))
        XCTAssertTrue(html.contains("Schicht_ü_层_🙂"))
        XCTAssertTrue(html.contains("src=\"run/a%23b%3Fc.png\""), "a link keeps # and ? as part of the file name")
        XCTAssertEqual(HTML.escape("<&>\"'"), "&lt;&amp;&gt;&quot;&#39;")
        // Every attribute value is quoted and free of raw quotes, so none can end early.
        XCTAssertEqual(try Self.attributeValues(["href", "src"], in: html).filter { $0.contains("<") }, [])
    }

    /// A bar per row, scaled to the largest magnitude, in a table marked for the bars' style; a table
    /// without bars gets neither.
    func testAnAggregateTableDrawsABarPerRowScaledToTheLargest() {
        let html = HTMLReport.table(
            ReportTable(
                layer: "conv", summary: "Means <3", columns: ["Channel", "Mean"],
                rows: [["0", "2"], ["1", "-1"], ["2", "0"]], bars: [2, -1, 0]))
        XCTAssertTrue(html.contains("<table class=\"bars\">"), html)
        let widths = html.components(separatedBy: "<i style=\"width:").dropFirst().map { String($0.prefix { $0 != "%" }) }
        XCTAssertEqual(widths, ["100", "50", "0"])
        XCTAssertTrue(
            html.contains("<tr><td>1</td><td>-1</td><td aria-hidden=\"true\"><i style=\"width:50%\"></i></td></tr>"), html)
        XCTAssertTrue(html.contains("Means &lt;3"))
        let plain = HTMLReport.table(ReportTable(layer: nil, summary: "s", columns: ["a"], rows: [["x"]]))
        XCTAssertTrue(plain.contains("<table>\n"), plain)
        XCTAssertFalse(plain.contains("<i "), plain)
    }

    /// The demo report rendered by headless Chromium at phone and desktop width, light and dark,
    /// when it is installed: the page's right margin shows the scheme's background from top to
    /// bottom, so the page follows the reader's setting and nothing runs off a phone's screen.
    func testTheDemoReportRendersInChromium() throws {
        let chromium = try Chromium.installed(for: "HTMLReportTests")
        let output = folder.appendingPathComponent("seed")
        try Runner(registry: .builtins()).run(
            configAt: Self.repository.appendingPathComponent("Configs/seed.yaml").path,
            outputDirectory: output.path)
        let light: [UInt8] = [0xFF, 0xFF, 0xFF]
        let dark: [UInt8] = [0x12, 0x12, 0x16] // --bg in HTMLReport.style
        for (name, width, background) in [
            ("phone", 390, light), ("phone-dark", 390, dark), ("desktop", 1280, light),
            ("desktop-dark", 1280, dark),
        ] {
            let screenshot = folder.appendingPathComponent("report-\(name).png")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium)
            process.arguments =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--user-data-dir=\(folder.appendingPathComponent("chromium-profile").path)",
                    "--screenshot=\(screenshot.path)", "--window-size=\(width),1600",
                ]
                + (background == dark ? ["--force-dark-mode"] : [])
                + [output.appendingPathComponent("report.html").absoluteString]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, name)
            let page = try Bitmap(contentsOfFile: screenshot.path)
            XCTAssertEqual(page.width, width, name)
            XCTAssertGreaterThan(Set(page.pixels).count, 16, "\(name): the page rendered something")
            let margin = (0..<page.height).map { y in
                Array(page.pixels[((y * page.width + page.width - 4) * page.channels)...].prefix(3))
            }
            XCTAssertEqual(margin.filter { $0 != background }.count, 0, "\(name): the right margin is the background")
        }
    }

    // MARK: - Helpers

    /// The values of the named attributes, as written (double-quoted).
    static func attributeValues(_ names: [String], in html: String) throws -> [String] {
        let expression = try NSRegularExpression(pattern: "\\b(?:\(names.joined(separator: "|")))=\"([^\"]*)\"")
        let range = NSRange(html.startIndex..., in: html)
        return expression.matches(in: html, range: range).compactMap { match in
            Range(match.range(at: 1), in: html).map { String(html[$0]) }
        }
    }
}
