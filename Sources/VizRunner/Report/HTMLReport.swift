import Foundation
import VizCore

/// `report.html`: one self-contained page showing everything a manifest lists, built from the
/// manifest alone (so `vizrun merge` can rebuild it). No scripts, fonts or network: images are
/// linked by their paths relative to the output folder, and every name passes through `HTML`.
public struct HTMLReport {
    public let manifest: Manifest
    /// Per input, the first run's predictions for it, and every class label the runs know for it
    /// (first found wins): looked up per input and per caption, so indexed once, and a report over
    /// thousands of inputs takes time in proportion to them.
    private let firstPredictions: [String: (run: String, record: Manifest.PredictionRecord)]
    private let labels: [String: [Int: String]]
    private let anyInputLabels: [Int: String]

    public static let fileName = "report.html"

    public init(manifest: Manifest) {
        self.manifest = manifest
        var firstPredictions: [String: (run: String, record: Manifest.PredictionRecord)] = [:]
        var labels: [String: [Int: String]] = [:]
        var anyInputLabels: [Int: String] = [:]
        for run in manifest.runs {
            for record in run.predictions ?? [] {
                if firstPredictions[record.input] == nil { firstPredictions[record.input] = (run.name, record) }
                for prediction in record.top {
                    guard let label = prediction.label else { continue }
                    if labels[record.input]?[prediction.classIndex] == nil {
                        labels[record.input, default: [:]][prediction.classIndex] = label
                    }
                    if anyInputLabels[prediction.classIndex] == nil { anyInputLabels[prediction.classIndex] = label }
                }
            }
        }
        (self.firstPredictions, self.labels, self.anyInputLabels) = (firstPredictions, labels, anyInputLabels)
    }

    public var html: String {
        let modelName = (manifest.model.path as NSString).lastPathComponent
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>vizrun report: \(HTML.escape(modelName))</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the results</a>
        \(header)
        \(contents)
        <main id="main" tabindex="-1">
        \(inputsSection)
        \(manifest.runs.enumerated().map { runSection($1, index: $0) }.joined(separator: "\n"))
        </main>
        <footer><p>Written by vizrun \(HTML.escape(manifest.vizrun)) from <a href="manifest.json">manifest.json</a>.</p></footer>
        </body>
        </html>

        """
    }

    // MARK: - Header and contents

    private var header: String {
        let model = manifest.model
        let shape = model.inputShape.map { $0.map(String.init) ?? "any" }.joined(separator: " × ")
        var facts: [(String, String)] = [
            ("Model file", model.path),
            ("Loader", model.loader),
            ("Layers", String(model.layers)),
            ("Input shape", shape),
        ]
        if let parameters = model.parameters { facts.append(("Parameters", Self.grouped(parameters))) }
        if let config = manifest.config { facts.append(("Config", config)) }
        facts.append(("vizrun", manifest.vizrun))
        if let created = manifest.created { facts.append(("Date", created)) }
        if let seconds = manifest.seconds { facts.append(("Total time", Self.duration(seconds))) }
        return """
        <header>
        <h1>vizrun report: \(HTML.escape((model.path as NSString).lastPathComponent))</h1>
        \(Self.definitionList(facts, label: "Run facts"))
        </header>
        """
    }

    private var contents: String {
        var items = ["<li><a href=\"#inputs\">Inputs (\(manifest.inputs.count))</a></li>"]
        for (index, run) in manifest.runs.enumerated() {
            items.append("<li><a href=\"#run-\(index + 1)\">\(HTML.escape(run.name)) (\(HTML.escape(run.visualizer)))</a></li>")
        }
        return "<nav aria-label=\"Contents\"><h2 class=\"visually-hidden\">Contents</h2><ul>\(items.joined())</ul></nav>"
    }

    // MARK: - Inputs

    private var inputsSection: String {
        let articles = manifest.inputs.map { input -> String in
            let picture = input.image.map { image in
                Self.figure(path: image, alt: "Input \(input.id) as the network sees it",
                            caption: "As the network sees it: \(Self.shape(input.shape))", className: "input-image")
            } ?? "<p>An array input, \(HTML.escape(Self.shape(input.shape))): no picture.</p>"
            return """
            <article class="input" aria-labelledby="input-\(HTML.escape(anchor(input.id)))">
            <h3 id="input-\(HTML.escape(anchor(input.id)))">\(HTML.escape(input.id))</h3>
            <p class="path">\(HTML.escape(input.path))</p>
            <div class="input-body">\(picture)\(predictionsTable(for: input.id))</div>
            </article>
            """
        }
        return """
        <section id="inputs" aria-labelledby="inputs-title">
        <h2 id="inputs-title">Inputs</h2>
        <div class="inputs">\(articles.joined(separator: "\n"))</div>
        </section>
        """
    }

    /// The first run's top predictions for the input, when a run computed them.
    private func predictionsTable(for input: String) -> String {
        guard let (run, record) = firstPredictions[input] else { return "" }
        let rows = record.top.enumerated().map { rank, prediction in
            "<tr><td>\(rank + 1)</td><td>\(prediction.classIndex)</td><td>\(HTML.escape(prediction.label ?? "—"))</td>"
                + "<td>\(String(format: "%.4f", prediction.score))</td></tr>"
        }
        return """
        <div class="table-scroll"><table>
        <caption>Top \(record.top.count) predictions (run \(HTML.escape(run)))</caption>
        <thead><tr><th scope="col">Rank</th><th scope="col">Class</th><th scope="col">Label</th><th scope="col">Score</th></tr></thead>
        <tbody>\(rows.joined())</tbody>
        </table></div>
        """
    }

    /// A class's label from any run's predictions for that input, to name classes in captions.
    func label(of classIndex: Int, input: String?) -> String? {
        guard let input else { return anyInputLabels[classIndex] }
        return labels[input]?[classIndex]
    }

    /// An id-safe form of a name, for fragment links; distinct names may share one, which only
    /// makes two headings share an anchor target, never breaks the page.
    func anchor(_ name: String) -> String {
        String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" })
    }

    // MARK: - Building blocks

    /// Name–value pairs; `code` sets the values as config text.
    static func definitionList(_ facts: [(String, String)], label: String, code: Bool = false) -> String {
        let items = facts.map { name, value in
            // A long value (a path) takes a whole row rather than wrapping letter by letter.
            "<div\(value.count > 28 ? " class=\"long\"" : "")><dt>\(HTML.escape(name))</dt><dd>\(code ? "<code>\(HTML.escape(value))</code>" : HTML.escape(value))</dd></div>"
        }
        return "<dl class=\"facts\" aria-label=\"\(HTML.escape(label))\">\(items.joined())</dl>"
    }

    /// An image that opens at full size when followed.
    static func figure(path: String, alt: String, caption: String, className: String) -> String {
        """
        <figure class="\(className)"><a href="\(HTML.link(path))"><img src="\(HTML.link(path))" alt="\(HTML.escape(alt))" \
        loading="lazy"></a><figcaption>\(HTML.escape(caption))</figcaption></figure>
        """
    }

    static func shape(_ shape: [Int]) -> String {
        shape.map(String.init).joined(separator: " × ")
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.2f s", seconds) : String(format: "%ld min %04.1f s", Int(seconds) / 60,
                                                                 seconds.truncatingRemainder(dividingBy: 60))
    }

    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return String(digits.enumerated().flatMap { index, digit in
            (index > 0 && (digits.count - index) % 3 == 0 ? [","] : []) + [digit]
        })
    }

    static func number(_ value: Float) -> String {
        String(format: "%.4g", value)
    }
}
