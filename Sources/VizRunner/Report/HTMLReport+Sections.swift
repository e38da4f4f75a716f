import Foundation
import VizCore

// MARK: - One run

extension HTMLReport {
    /// A run's heading, options and time; its artifacts follow grouped by input and layer in
    /// record order: a layer's statistics, its leading pictures (grids, overlays, heatmaps,
    /// saliency maps) side by side, the smaller pictures (single channels, patterns) after them,
    /// and the raw arrays as links.
    func runHeading(_ index: Int) -> String {
        let run = header.runs[index]
        let id = "run-\(index + 1)"
        let facts = [
            ("Visualizer", run.visualizer), ("Time", Self.duration(run.seconds)),
            ("Artifacts", String(aggregates.artifactCount(ofRun: index))),
        ]
        let options = (run.options ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return """
            <section id="\(id)" class="run" aria-labelledby="\(id)-title">
            <h2 id="\(id)-title">Run \(HTML.escape(run.name)) <span class="kind">\(HTML.escape(run.visualizer))</span></h2>
            \(Self.definitionList(facts, label: "Run \(run.name)"))
            \(options.isEmpty ? "" : "<h3 class=\"options-title\">Options</h3>" + Self.definitionList(options, label: "Options of run \(run.name)", code: true))

            """
    }

    func inputGroup(title: String, entry: Journal.Entry, run: Int) -> String {
        // The aggregate's tables stand with the artifacts of no input, beside its files of their layer.
        let tables = entry.input == nil ? aggregates.tables(ofRun: run) : []
        let groups = Self.groups(entry.runs[run].artifacts)
        let blocks = groups.map { group in
            layerBlock(group, run: run, entry: entry, tables: tables.filter { $0.layer == group.layer })
        }
        return "<section class=\"input-group\"><h3>\(HTML.escape(title))</h3>\n\(blocks.joined(separator: "\n"))\n</section>\n"
    }

    /// Artifacts of one layer (or of none) in one entry, in record order.
    struct Group {
        let layer: String?
        var artifacts: [ArtifactRecord]
    }

    /// Groups in order of first appearance.
    static func groups(_ artifacts: [ArtifactRecord]) -> [Group] {
        var groups: [Group] = []
        var indexOf: [String?: Int] = [:]
        for artifact in artifacts {
            if let index = indexOf[artifact.layer] {
                groups[index].artifacts.append(artifact)
            } else {
                indexOf[artifact.layer] = groups.count
                groups.append(Group(layer: artifact.layer, artifacts: [artifact]))
            }
        }
        return groups
    }

    // MARK: - One layer

    private func layerBlock(_ group: Group, run: Int, entry: Journal.Entry, tables: [AggregateFiles.DrawnTable]) -> String {
        var parts: [String] = []
        if let layer = group.layer { parts.append("<h4>Layer \(HTML.escape(layer))</h4>") }
        if let stats = group.artifacts.lazy.compactMap(\.stats).first {
            parts.append(
                Self.definitionList(
                    [
                        ("Class", stats.layerClass),
                        ("Output shape", Self.shape(stats.outputShape)),
                        ("Value range", "\(Self.number(stats.minimum)) … \(Self.number(stats.maximum))"),
                        ("Dead channels", CFormat.string("%.1f %%", Double(stats.deadChannels * 100))),
                    ], label: "Statistics of layer \(group.layer ?? "")"))
        }
        parts += tables.map(\.html)
        let pictures = group.artifacts.filter { Self.pictureKinds.contains($0.kind) }
            .map { (artifact: $0, role: aggregates.role($0.role, ofRun: run)) }
        let leading = pictures.filter { $0.role.prominence < .small }
            .sorted {
                ($0.role.prominence, aggregates.rank(of: $0.role.name, inRun: run))
                    < ($1.role.prominence, aggregates.rank(of: $1.role.name, inRun: run))
            }
        let small = pictures.filter { $0.role.prominence == .small }
        if !leading.isEmpty {
            let wide = leading.contains { $0.role.prominence == .wide }
            parts.append(
                "<div class=\"gallery\(wide ? " wide" : "")\">\(leading.map { figure($0.artifact, $0.role, entry) }.joined())</div>"
            )
        }
        if !small.isEmpty {
            let gallery = "<div class=\"gallery small\">\(small.map { figure($0.artifact, $0.role, entry) }.joined())</div>"
            // Many small pictures (a layer's 64 patterns) fold away, so the page stays scannable.
            let counts = small.map(\.role).reduce(into: [ArtifactRole]()) { if !$0.contains($1) { $0.append($1) } }
                .map { role in "\(small.filter { $0.role == role }.count) \(Self.plural(role.title))" }
            parts.append(
                small.count > Self.unfoldedPictures
                    ? "<details><summary>\(HTML.escape(counts.joined(separator: ", ")))</summary>\(gallery)</details>"
                    : gallery)
        }
        let files = group.artifacts.filter { !Self.pictureKinds.contains($0.kind) }
        if !files.isEmpty {
            let items = files.map { file -> String in
                let shape = file.shape.map { ", \(Self.shape($0))" } ?? ""
                let words = describe(file, aggregates.role(file.role, ofRun: run), entry)
                return "<li><a href=\"\(HTML.link(file.path))\">\(HTML.escape((file.path as NSString).lastPathComponent))</a>"
                    + "<span class=\"note\"> \(HTML.escape(words))\(HTML.escape(shape))</span></li>"
            }
            let extensions = Set(files.map { "." + ($0.path as NSString).pathExtension }).sorted().joined(separator: ", ")
            parts.append(
                "<details class=\"arrays\"><summary>Data files (\(files.count), \(HTML.escape(extensions)))</summary>"
                    + "<ul>\(items.joined())</ul></details>")
        }
        return "<section class=\"layer\">\(parts.joined(separator: "\n"))</section>"
    }

    static let pictureKinds: Set<String> = ["image", "animation"]

    /// An aggregate's table, folded under its summary; a bar per row where the table gives them.
    static func table(_ table: ReportTable) -> String {
        let largest = table.bars?.map { abs($0) }.max() ?? 0
        // Appended piece by piece: an aggregate's tables can have tens of thousands of rows.
        var rows = ""
        rows.reserveCapacity(table.rows.count * 100)
        for (index, cells) in table.rows.enumerated() {
            rows += "<tr>"
            for cell in cells {
                rows += "<td>"
                rows += HTML.escape(cell)
                rows += "</td>"
            }
            if let bars = table.bars, index < bars.count {
                // The shortest markup that draws the bar: these tables can be most of a report's bytes.
                let width = largest > 0 ? Int((abs(bars[index]) / largest * 100).rounded()) : 0
                rows += "<td aria-hidden=\"true\"><i style=\"width:" + String(width) + "%\"></i></td>"
            }
            rows += "</tr>"
        }
        let barHeading = table.bars == nil ? "" : "<th scope=\"col\"><span class=\"visually-hidden\">Bar</span></th>"
        let headings = table.columns.map { "<th scope=\"col\">\(HTML.escape($0))</th>" }.joined() + barHeading
        return """
            <details class="aggregate"><summary>\(HTML.escape(table.summary))</summary>
            <div class="table-scroll"><table\(table.bars == nil ? "" : " class=\"bars\"")>
            <thead><tr>\(headings)</tr></thead>
            <tbody>\(rows)</tbody>
            </table></div></details>
            """
    }

    static let unfoldedPictures = 8

    private func figure(_ artifact: ArtifactRecord, _ role: ArtifactRole, _ entry: Journal.Entry) -> String {
        let caption = describe(artifact, role, entry)
        return Self.figure(
            path: artifact.path, alt: caption + altContext(artifact), caption: caption,
            className: role.prominence == .wide ? "grid-image" : "map")
    }

    // MARK: - Words

    /// What the artifact shows, for captions: `heatmap overlay, class 3 (coffee)`.
    func describe(_ artifact: ArtifactRecord, _ role: ArtifactRole, _ entry: Journal.Entry) -> String {
        var words = [role.title]
        if let channel = artifact.channel { words.append("channel \(channel)") }
        if let filter = artifact.filter { words.append("filter \(filter)") }
        if let classIndex = artifact.classIndex {
            words.append("class \(classIndex)" + (label(of: classIndex, in: entry).map { " (\($0))" } ?? ""))
        }
        return words.joined(separator: ", ")
    }

    /// The rest an image's alt text needs to stand alone: the layer and the input.
    private func altContext(_ artifact: ArtifactRecord) -> String {
        (artifact.layer.map { ", layer \($0)" } ?? "") + (artifact.input.map { ", input \($0)" } ?? "")
    }

    static func plural(_ name: String) -> String {
        name.hasSuffix("s") ? name : name + "s"
    }
}
