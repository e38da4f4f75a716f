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
        let facts = [("Visualizer", run.visualizer), ("Time", Self.duration(run.seconds)),
                     ("Artifacts", String(aggregates.artifactCount(ofRun: index)))]
        let options = (run.options ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return """
        <section id="\(id)" class="run" aria-labelledby="\(id)-title">
        <h2 id="\(id)-title">Run \(HTML.escape(run.name)) <span class="kind">\(HTML.escape(run.visualizer))</span></h2>
        \(Self.definitionList(facts, label: "Run \(run.name)"))
        \(options.isEmpty ? "" : "<h3 class=\"options-title\">Options</h3>" + Self.definitionList(options, label: "Options of run \(run.name)", code: true))

        """
    }

    func inputGroup(title: String, entry: Journal.Entry, run: Int) -> String {
        let visualizer = header.runs[run].visualizer
        let aggregates = entry.input == nil
            ? Dictionary(self.aggregates.channelMeans(ofRun: run).map { ($0.layer, $0) }, uniquingKeysWith: { first, _ in first })
            : [:]
        let blocks = Self.groups(entry.runs[run].artifacts).map { group in
            layerBlock(group, visualizer: visualizer, entry: entry, aggregate: group.layer.flatMap { aggregates[$0] },
                       sheet: entry.input == nil ? self.aggregates.contactSheet(ofRun: run) : [])
        }
        return "<section class=\"input-group\"><h3>\(HTML.escape(title))</h3>\n\(blocks.joined(separator: "\n"))\n</section>\n"
    }

    /// Artifacts of one layer (or of none) in one entry, in record order.
    struct Group {
        let layer: String?
        var artifacts: [Manifest.ArtifactRecord]
    }

    /// Groups in order of first appearance.
    static func groups(_ artifacts: [Manifest.ArtifactRecord]) -> [Group] {
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

    private func layerBlock(_ group: Group, visualizer: String, entry: Journal.Entry, aggregate: ChannelMeans?,
                            sheet: [ContactSheet.Entry]) -> String {
        var parts: [String] = []
        if let layer = group.layer { parts.append("<h4>Layer \(HTML.escape(layer))</h4>") }
        if let stats = group.artifacts.lazy.compactMap(\.stats).first {
            parts.append(Self.definitionList([
                ("Class", stats.layerClass),
                ("Output shape", Self.shape(stats.outputShape)),
                ("Value range", "\(Self.number(stats.minimum)) … \(Self.number(stats.maximum))"),
                ("Dead channels", String(format: "%.1f %%", stats.deadChannels * 100)),
            ], label: "Statistics of layer \(group.layer ?? "")"))
        }
        if let aggregate { parts.append(Self.channelMeansTable(aggregate)) }
        if entry.input == nil, group.artifacts.contains(where: { $0.role == ContactSheet.role }) {
            parts.append(contactSheetOrder(sheet))
        }
        let pictures = group.artifacts.filter { Self.pictureKinds.contains($0.kind) }
        let leading = pictures.filter { Self.leadingRoles.contains($0.role) }
            .sorted { Self.leadingRoles.firstIndex(of: $0.role)! < Self.leadingRoles.firstIndex(of: $1.role)! }
        let small = pictures.filter { !Self.leadingRoles.contains($0.role) }
        if !leading.isEmpty {
            let wide = leading.contains { $0.role == "grid" || $0.role == ContactSheet.role }
            parts.append("<div class=\"gallery\(wide ? " wide" : "")\">\(leading.map { figure($0, visualizer, entry) }.joined())</div>")
        }
        if !small.isEmpty {
            let gallery = "<div class=\"gallery small\">\(small.map { figure($0, visualizer, entry) }.joined())</div>"
            // Many small pictures (a layer's 64 patterns) fold away, so the page stays scannable.
            let counts = small.map(\.role).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .map { role in "\(small.filter { $0.role == role }.count) \(Self.plural(Self.roleName(role, visualizer)))" }
            parts.append(small.count > Self.unfoldedPictures
                         ? "<details><summary>\(HTML.escape(counts.joined(separator: ", ")))</summary>\(gallery)</details>"
                         : gallery)
        }
        let files = group.artifacts.filter { !Self.pictureKinds.contains($0.kind) }
        if !files.isEmpty {
            let items = files.map { file -> String in
                let shape = file.shape.map { ", \(Self.shape($0))" } ?? ""
                return "<li><a href=\"\(HTML.link(file.path))\">\(HTML.escape((file.path as NSString).lastPathComponent))</a>"
                    + "<span class=\"note\"> \(HTML.escape(describe(file, visualizer, entry)))\(HTML.escape(shape))</span></li>"
            }
            let extensions = Set(files.map { "." + ($0.path as NSString).pathExtension }).sorted().joined(separator: ", ")
            parts.append("<details class=\"arrays\"><summary>Data files (\(files.count), \(HTML.escape(extensions)))</summary>"
                         + "<ul>\(items.joined())</ul></details>")
        }
        return "<section class=\"layer\">\(parts.joined(separator: "\n"))</section>"
    }

    static let pictureKinds: Set<String> = ["image", "animation"]

    /// The contact sheet's tiles in words, left to right and top to bottom.
    private func contactSheetOrder(_ entries: [ContactSheet.Entry]) -> String {
        let rows = entries.enumerated().map { rank, entry in
            "<tr><td>\(rank + 1)</td><td>\(HTML.escape(entry.input))</td><td>\(entry.classIndex)</td>"
                + "<td>\(HTML.escape(entry.label ?? "—"))</td><td>\(String(format: "%.4f", entry.score))</td></tr>"
        }
        return """
        <details class="aggregate"><summary>Contact sheet order (\(entries.count) inputs, \(ContactSheet.columns) per row, \(ContactSheet.pageSize) per page)</summary>
        <div class="table-scroll"><table>
        <thead><tr><th scope="col">Tile</th><th scope="col">Input</th><th scope="col">Class</th><th scope="col">Label</th><th scope="col">Score</th></tr></thead>
        <tbody>\(rows.joined())</tbody>
        </table></div></details>
        """
    }

    /// The layer's mean activation per channel over the inputs, with a bar per channel scaled to the largest magnitude.
    static func channelMeansTable(_ aggregate: ChannelMeans) -> String {
        let largest = aggregate.means.map { abs($0) }.max() ?? 0
        let rows = aggregate.means.enumerated().map { channel, mean -> String in
            let width = largest > 0 ? Int((abs(mean) / largest * 100).rounded()) : 0
            return "<tr><td>\(channel)</td><td>\(number(mean))</td>"
                + "<td class=\"bar-cell\" aria-hidden=\"true\"><span class=\"bar\" style=\"width: \(width)%\"></span></td></tr>"
        }
        return """
        <details class="aggregate"><summary>Mean activation per channel over \(aggregate.inputCount) inputs (\(aggregate.means.count) channels)</summary>
        <div class="table-scroll"><table>
        <thead><tr><th scope="col">Channel</th><th scope="col">Mean</th><th scope="col"><span class="visually-hidden">Bar</span></th></tr></thead>
        <tbody>\(rows.joined())</tbody>
        </table></div></details>
        """
    }

    /// Roles shown large, in this order: what a reader looks at first.
    static let leadingRoles = ["grid", ContactSheet.role, "overlay", "heatmap", "saliency"]
    static let unfoldedPictures = 8

    private func figure(_ artifact: Manifest.ArtifactRecord, _ visualizer: String, _ entry: Journal.Entry) -> String {
        let caption = describe(artifact, visualizer, entry)
        return Self.figure(path: artifact.path, alt: caption + altContext(artifact), caption: caption,
                           className: artifact.role == "grid" ? "grid-image" : "map")
    }

    // MARK: - Words

    /// What the artifact shows, for captions: `heatmap overlay, class 3 (coffee)`.
    func describe(_ artifact: Manifest.ArtifactRecord, _ visualizer: String, _ entry: Journal.Entry) -> String {
        var words = [Self.roleName(artifact.role, visualizer)]
        if let channel = artifact.channel { words.append("channel \(channel)") }
        if let filter = artifact.filter { words.append("filter \(filter)") }
        if let classIndex = artifact.classIndex {
            words.append("class \(classIndex)" + (label(of: classIndex, in: entry).map { " (\($0))" } ?? ""))
        }
        return words.joined(separator: ", ")
    }

    /// The rest an image's alt text needs to stand alone: the layer and the input.
    private func altContext(_ artifact: Manifest.ArtifactRecord) -> String {
        (artifact.layer.map { ", layer \($0)" } ?? "") + (artifact.input.map { ", input \($0)" } ?? "")
    }

    /// A role in words; `grid` depends on who drew it.
    static func roleName(_ role: String, _ visualizer: String) -> String {
        switch (role, visualizer) {
        case ("grid", "activations"): return "activation grid"
        case ("grid", "filters"): return "filter pattern grid"
        case ("activation", _): return "activation"
        case ("channel", _): return "single channel"
        case ("pattern", _): return "filter pattern"
        case ("animation", _): return "optimisation animation"
        case ("overlay", _): return "heatmap overlay"
        case ("saliency", _): return "saliency map"
        case (ChannelMeans.role, _): return "mean activation per channel over the inputs"
        case (ContactSheet.role, _): return "contact sheet of overlays, best score first"
        default: return role
        }
    }

    static func plural(_ name: String) -> String {
        name.hasSuffix("s") ? name : name + "s"
    }
}
