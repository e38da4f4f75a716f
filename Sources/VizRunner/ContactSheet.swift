import Foundation
import VizCore
import VizImage

/// The aggregate of a Grad-CAM run over many inputs: each input's overlay (its first class, the
/// predicted one by default) as a thumbnail, sorted by the model's score for that class, best
/// first. Built from the records and the overlays in place, so a resumed run and `vizrun merge`
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

    /// The tile of one input's results in the run: its first overlay, scored by the predictions for its class.
    static func entry(input: String, results: Journal.Results) -> Entry? {
        guard let overlay = results.artifacts.first(where: { $0.role == "overlay" && $0.classIndex != nil }),
              let classIndex = overlay.classIndex else { return nil }
        let prediction = results.predictions?.first?.top.first { $0.classIndex == classIndex }
        return Entry(input: input, classIndex: classIndex, label: prediction?.label, score: prediction?.score ?? 0,
                     overlay: overlay.path)
    }

    /// Tiles best score first (ties in input order), for runs with at least two inputs.
    static func sorted(_ entries: [Entry]) -> [Entry] {
        guard entries.count > 1 else { return [] }
        return entries.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
    }

    static let role = "contact_sheet"
    static let thumbnail = 96
    static let columns = 12
    static let margin = 4
    /// Tiles per page: one picture per page stays easy to open however many inputs there are.
    static let pageSize = 120

    /// Draws the sheet as `<run>/_aggregate/contact_sheet.png` (further pages `contact_sheet_2.png`,
    /// …) and returns the pages' records. The overlays must be in place (after a checkpoint).
    static func write(_ entries: [Entry], run: String, folder: OutputFolder) throws -> [Manifest.ArtifactRecord] {
        var records: [Manifest.ArtifactRecord] = []
        for start in stride(from: 0, to: entries.count, by: pageSize) {
            let path = folder.reservePath([run, "_aggregate", "contact_sheet"], ext: ".png")
            try draw(entries[start..<min(start + pageSize, entries.count)], folder: folder, to: folder.stagedFile(path))
            records.append(Manifest.ArtifactRecord(kind: "image", role: role, input: nil, layer: nil, channel: nil, filter: nil,
                                                   classIndex: nil, shape: nil, path: path))
        }
        return records
    }

    /// One page, written a row of tiles at a time: each overlay scaled to fit a `thumbnail`-pixel
    /// square, centred on black. Memory holds one row's band and its overlays, never the page.
    private static func draw(_ entries: ArraySlice<Entry>, folder: OutputFolder, to file: URL) throws {
        let columnCount = min(columns, entries.count)
        let rowCount = (entries.count + columnCount - 1) / columnCount
        let pageWidth = columnCount * thumbnail + (columnCount - 1) * margin
        let writer = try PNGFileWriter(path: file.path, width: pageWidth, height: rowCount * thumbnail + (rowCount - 1) * margin,
                                       channels: 3)
        let tiles = Array(entries)
        for row in 0..<rowCount {
            let slots = (row * columnCount)..<min((row + 1) * columnCount, tiles.count)
            var thumbnails = [Result<Bitmap, VizError>](repeating: .failure(VizError("")), count: slots.count)
            thumbnails.withUnsafeMutableBufferPointer { thumbnails in
                Parallelism.forEach(slots.count) { index in
                    thumbnails[index] = Result { try thumbnailOf(tiles[slots.lowerBound + index], folder: folder) }
                        .mapError { $0 as? VizError ?? VizError("\($0)") }
                }
            }
            var band = Bitmap(width: pageWidth, height: thumbnail, channels: 3, filledWith: 0)
            for (column, result) in thumbnails.enumerated() {
                let small = try result.get()
                let left = column * (thumbnail + margin) + (thumbnail - small.width) / 2
                let top = (thumbnail - small.height) / 2
                for line in 0..<small.height {
                    let target = ((top + line) * pageWidth + left) * 3
                    band.pixels.replaceSubrange(target..<(target + small.width * 3),
                                                with: small.pixels[(line * small.width * 3)..<((line + 1) * small.width * 3)])
                }
            }
            try writer.append(band)
            if row < rowCount - 1 { try writer.append(Bitmap(width: pageWidth, height: margin, channels: 3, filledWith: 0)) }
        }
        try writer.finish()
    }

    /// The overlay scaled to fit a `thumbnail`-pixel square.
    private static func thumbnailOf(_ entry: Entry, folder: OutputFolder) throws -> Bitmap {
        let image = try Bitmap(contentsOfFile: folder.root.appendingPathComponent(entry.overlay).path, colorMode: .rgb)
        let scale = Double(thumbnail) / Double(max(image.width, image.height))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        return image.resized(width: width, height: height, filter: .bilinear)
    }
}
