import Foundation
import VizCore

/// `report.html`: one self-contained page showing everything the records list, written a piece at
/// a time as the entries come (each section into a scratch file of its own, `HTMLReportSections`,
/// joined at the end), so a report over thousands of inputs needs no more memory than one over a
/// few. No
/// scripts, fonts or network: images are linked by their paths relative to the output folder, and
/// every name passes through `HTML`.
package struct HTMLReport {
    /// The manifest's header: model, config, times and the runs, without their records.
    let header: Manifest
    let aggregates: Aggregates

    static let fileName = "report.html"

    /// Writes the page for `entries` (every input's and those of no input, in order), each
    /// section through a scratch file in `scratch`.
    func write(entries: [Journal.Entry], to output: TextOutput, scratch: URL) throws {
        let sections = try HTMLReportSections(runCount: header.runs.count, scratch: scratch)
        for entry in entries { try sections.add(entry, of: self) }
        try sections.write(self, to: output)
    }

    /// The page around its sections: header, contents, the inputs, then each run's results.
    func write(inputs: (TextOutput) throws -> Void, run: (Int, TextOutput) throws -> Void, to output: TextOutput) throws {
        let modelName = (header.model.path as NSString).lastPathComponent
        try output.write(
            """
            \(Self.documentStart(title: "vizrun report: \(modelName)", skipTo: "the results"))
            \(headerSection)
            \(contents)
            <main id="main" tabindex="-1">
            <section id="inputs" aria-labelledby="inputs-title">
            <h2 id="inputs-title">Inputs</h2>
            <div class="inputs">

            """)
        try inputs(output)
        try output.write("</div>\n</section>\n")
        for index in header.runs.indices {
            try output.write(runHeading(index))
            try run(index, output)
            try output.write("</section>\n")
        }
        try output.write(
            """
            </main>
            <footer><p>Written by vizrun \(HTML.escape(header.vizrun)) from <a href="manifest.json">manifest.json</a>.</p></footer>
            </body>
            </html>

            """)
    }

    /// A page's start up to its skip link: the report's stylesheet (then `extraStyle`), light and dark.
    package static func documentStart(title: String, skipTo target: String, extraStyle: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>\(HTML.escape(title))</title>
        <style>\(style)\(extraStyle)</style>
        </head>
        <body>
        <a class="skip" href="#main">Skip to \(target)</a>
        """
    }

    /// The page for a manifest held in memory, without the aggregates' tables (which come from
    /// writing their files).
    static func html(of manifest: Manifest, registry: Registry = .builtins()) throws -> String {
        let (header, entries) = Journal.entries(of: manifest)
        let aggregates = Aggregates(runs: header.runs, registry: registry, folder: nil)
        try entries.forEach { try aggregates.add($0) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let html = TextBuffer()
        try HTMLReport(header: header, aggregates: aggregates).write(entries: entries, to: html, scratch: scratch)
        return html.text
    }

    // MARK: - Header and contents

    private var headerSection: String {
        let model = header.model
        let shape = model.inputShape.map { $0.map(String.init) ?? "any" }.joined(separator: " × ")
        var facts: [(String, String)] = [
            ("Model file", model.path),
            ("Loader", model.loader),
            ("Layers", String(model.layers)),
            ("Input shape", shape),
        ]
        if let parameters = model.parameters { facts.append(("Parameters", Self.grouped(parameters))) }
        if let config = header.config { facts.append(("Config", config)) }
        facts.append(("vizrun", header.vizrun))
        if let created = header.created { facts.append(("Date", created)) }
        if let seconds = header.seconds { facts.append(("Total time", Self.duration(seconds))) }
        return """
            <header>
            <h1>vizrun report: \(HTML.escape((model.path as NSString).lastPathComponent))</h1>
            \(Self.definitionList(facts, label: "Run facts"))
            </header>
            """
    }

    private var contents: String {
        var items = ["<li><a href=\"#inputs\">Inputs (\(aggregates.inputCount))</a></li>"]
        for (index, run) in header.runs.enumerated() {
            items.append("<li><a href=\"#run-\(index + 1)\">\(HTML.escape(run.name)) (\(HTML.escape(run.visualizer)))</a></li>")
        }
        return "<nav aria-label=\"Contents\"><h2 class=\"visually-hidden\">Contents</h2><ul>\(items.joined())</ul></nav>"
    }

    // MARK: - Inputs

    func inputArticle(_ input: Manifest.InputRecord, entry: Journal.Entry) -> String {
        let picture =
            input.image.map { image in
                Self.figure(
                    path: image, alt: "Input \(input.id) as the network sees it",
                    caption: "As the network sees it: \(Self.shape(input.shape))", className: "input-image")
            } ?? "<p>An array input, \(HTML.escape(Self.shape(input.shape))): no picture.</p>"
        return """
            <article class="input" aria-labelledby="input-\(HTML.escape(anchor(input.id)))">
            <h3 id="input-\(HTML.escape(anchor(input.id)))">\(HTML.escape(input.id))</h3>
            <p class="path">\(HTML.escape(input.path))</p>
            <div class="input-body">\(picture)\(predictionsTable(entry))</div>
            \(faithfulnessTable(entry))
            </article>
            """
    }

    /// The first run's top predictions for the input, when a run computed them.
    private func predictionsTable(_ entry: Journal.Entry) -> String {
        guard let run = entry.runs.firstIndex(where: { !($0.predictions ?? []).isEmpty }),
            let record = entry.runs[run].predictions?.first
        else { return "" }
        let rows = record.top.enumerated().map { rank, prediction in
            "<tr><td>\(rank + 1)</td><td>\(prediction.classIndex)</td><td>\(HTML.escape(prediction.label ?? "—"))</td>"
                + "<td>\(String(format: "%.4f", prediction.score))</td></tr>"
        }
        return """
            <div class="table-scroll"><table>
            <caption>Top \(record.top.count) predictions (run \(HTML.escape(header.runs[run].name)))</caption>
            <thead><tr><th scope="col">Rank</th><th scope="col">Class</th><th scope="col">Label</th><th scope="col">Score</th></tr></thead>
            <tbody>\(rows.joined())</tbody>
            </table></div>
            """
    }

    /// Every map's faithfulness scores for the input, a row per run, map and class, so that a reader
    /// can see which method's map to trust.
    private func faithfulnessTable(_ entry: Journal.Entry) -> String {
        var rows: [String] = []
        for (run, results) in entry.runs.enumerated() {
            var seen: Set<String> = []
            for artifact in results.artifacts {
                guard let measures = artifact.measures, measures.hasFaithfulness,
                    seen.insert((artifact.path as NSString).deletingPathExtension).inserted
                else { continue }
                let header = self.header.runs[run]
                let method = header.options?["method"].map { "\(header.visualizer) \($0)" } ?? header.visualizer
                let classIndex = artifact.classIndex.map { index in
                    String(index) + (label(of: index, in: entry).map { " (\($0))" } ?? "")
                }
                let cells = [
                    header.name, method, aggregates.role(artifact.role, ofRun: run).title, classIndex ?? "—",
                    Self.score(measures.deletionAUC), Self.score(measures.insertionAUC), Self.score(measures.road),
                ]
                rows.append("<tr>" + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>")
            }
        }
        guard !rows.isEmpty else { return "" }
        let headings = [
            "Run", "Method", "Map", "Class", "Deletion AUC (lower is better)", "Insertion AUC (higher)", "ROAD (higher)",
        ]
        return """
            <div class="table-scroll"><table>
            <caption>Faithfulness of each map</caption>
            <thead><tr>\(headings.map { "<th scope=\"col\">\(HTML.escape($0))</th>" }.joined())</tr></thead>
            <tbody>\(rows.joined())</tbody>
            </table></div>
            """
    }

    private static func score(_ value: Double?) -> String {
        value.map { String(format: "%.4f", $0) } ?? "—"
    }

    /// A class's label, to name classes in captions: from the input's own predictions (any run's,
    /// the first found), or for results of no input from any input's.
    func label(of classIndex: Int, in entry: Journal.Entry) -> String? {
        guard entry.input != nil else { return aggregates.labels[classIndex] }
        for results in entry.runs {
            for prediction in (results.predictions ?? []).flatMap(\.top) where prediction.classIndex == classIndex {
                if let label = prediction.label { return label }
            }
        }
        return nil
    }

    /// An id-safe form of a name, for fragment links; distinct names may share one, which only
    /// makes two headings share an anchor target, never breaks the page.
    func anchor(_ name: String) -> String {
        String(
            name.unicodeScalars.map {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
            })
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
        seconds < 60
            ? String(format: "%.2f s", seconds)
            : String(
                format: "%ld min %04.1f s", Int(seconds) / 60,
                seconds.truncatingRemainder(dividingBy: 60))
    }

    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return String(
            digits.enumerated().flatMap { index, digit in
                (index > 0 && (digits.count - index) % 3 == 0 ? [","] : []) + [digit]
            })
    }

    static func number(_ value: Float) -> String {
        ReportTable.number(value)
    }
}
