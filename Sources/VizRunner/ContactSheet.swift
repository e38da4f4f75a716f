import Foundation
import VizCore
import VizImage

/// The aggregate of a Grad-CAM run over many inputs: each input's overlay (its first class, the
/// predicted one by default) as a thumbnail, sorted by the model's score for that class, best
/// first. Built from the manifest and the overlays in place, so a resumed run and `vizrun merge`
/// draw the sheet one run over every input would.
struct ContactSheet {
    struct Entry: Equatable {
        let input: String
        let classIndex: Int
        let label: String?
        /// The class's score in the input's predictions; 0 when the class is not among them.
        let score: Float
        let overlay: String
    }

    /// The run's entries, best score first (ties in manifest order), for runs with at least two inputs.
    static func entries(_ run: Manifest.RunRecord) -> [Entry] {
        var seen: Set<String> = []
        let predictions = Dictionary((run.predictions ?? []).map { ($0.input, $0) }, uniquingKeysWith: { first, _ in first })
        let entries = run.artifacts.compactMap { artifact -> Entry? in
            guard artifact.role == "overlay", let input = artifact.input, let classIndex = artifact.classIndex,
                  seen.insert(input).inserted else { return nil }
            let prediction = predictions[input]?.top.first { $0.classIndex == classIndex }
            return Entry(input: input, classIndex: classIndex, label: prediction?.label, score: prediction?.score ?? 0,
                         overlay: artifact.path)
        }
        guard entries.count > 1 else { return [] }
        return entries.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
    }

    static let role = "contact_sheet"
    static let thumbnail = 96
    static let columns = 12
    static let margin = 4
    /// Tiles per page: pages keep memory flat however many inputs there are (a page is 3.6 MB).
    static let pageSize = 120

    /// Draws each Grad-CAM run's sheet as `<run>/_aggregate/contact_sheet.png` (further pages
    /// `contact_sheet_2.png`, …) and returns the manifest listing the pages. The overlays must be
    /// in place (after a checkpoint).
    static func adding(to manifest: Manifest, folder: OutputFolder) throws -> Manifest {
        var result = manifest
        for (index, run) in manifest.runs.enumerated() where run.visualizer == "gradcam" {
            let entries = entries(run)
            for start in stride(from: 0, to: entries.count, by: pageSize) {
                let page = try draw(entries[start..<min(start + pageSize, entries.count)], folder: folder)
                let path = folder.reservePath([run.name, "_aggregate", "contact_sheet"], ext: ".png")
                try folder.write(try page.pngData(), to: path)
                result.runs[index].artifacts.append(Manifest.ArtifactRecord(
                    kind: "image", role: role, input: nil, layer: nil, channel: nil, filter: nil, classIndex: nil,
                    shape: nil, path: path))
            }
        }
        return result
    }

    /// One page: each overlay scaled to fit a `thumbnail`-pixel square, centred on black, drawn
    /// straight into the page so only one decoded overlay is held at a time.
    private static func draw(_ entries: ArraySlice<Entry>, folder: OutputFolder) throws -> Bitmap {
        let columnCount = min(columns, entries.count)
        let rowCount = (entries.count + columnCount - 1) / columnCount
        let pageWidth = columnCount * thumbnail + (columnCount - 1) * margin
        var page = Bitmap(width: pageWidth, height: rowCount * thumbnail + (rowCount - 1) * margin, channels: 3, filledWith: 0)
        for (slot, entry) in entries.enumerated() {
            let image = try Bitmap(contentsOfFile: folder.root.appendingPathComponent(entry.overlay).path, colorMode: .rgb)
            let scale = Double(thumbnail) / Double(max(image.width, image.height))
            let width = max(1, Int((Double(image.width) * scale).rounded()))
            let height = max(1, Int((Double(image.height) * scale).rounded()))
            let small = image.resized(width: width, height: height, filter: .bilinear)
            let left = (slot % columnCount) * (thumbnail + margin) + (thumbnail - width) / 2
            let top = (slot / columnCount) * (thumbnail + margin) + (thumbnail - height) / 2
            for row in 0..<height {
                let target = ((top + row) * pageWidth + left) * 3
                page.pixels.replaceSubrange(target..<(target + width * 3),
                                            with: small.pixels[(row * width * 3)..<((row + 1) * width * 3)])
            }
        }
        return page
    }
}
