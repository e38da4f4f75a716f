import Foundation
import VizCore
import VizImage

/// The aggregate of a Grad-CAM run over many inputs: each input's overlay (its first class, the
/// predicted one by default) as a thumbnail, sorted by the model's score for that class, best
/// first. Built from the records and the overlays in place, so a resumed run and `vizrun merge`
/// draw the sheet one run over every input would.
final class ContactSheet: RunAggregate {
    struct Tile: Equatable {
        let input: String
        let classIndex: Int
        let label: String?
        /// The class's score in the input's predictions; 0 when the class is not among them.
        let score: Float
        let overlay: URL
    }

    static let role = ArtifactRole(
        "contact_sheet", title: "contact sheet of overlays, best score first",
        prominence: .wide, summarizesInputs: true)
    static let thumbnail = 96
    static let columns = 12
    static let margin = 4
    /// Tiles per page: one picture per page stays easy to open however many inputs there are.
    static let pageSize = 120

    private var tiles: [Tile] = []

    /// The input's first overlay, scored by the predictions for its class.
    func add(_ results: InputResults) {
        guard let overlay = results.artifacts.first(where: { $0.role == GradCAMVisualizer.overlay.name && $0.classIndex != nil }),
            let classIndex = overlay.classIndex
        else { return }
        let prediction = results.predictions.first { $0.classIndex == classIndex }
        tiles.append(
            Tile(
                input: results.input, classIndex: classIndex, label: prediction?.label, score: prediction?.score ?? 0,
                overlay: results.file(of: overlay)))
    }

    /// Tiles best score first (ties in input order), for runs with at least two inputs.
    var sorted: [Tile] {
        guard tiles.count > 1 else { return [] }
        return tiles.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
    }

    /// Draws the sheet as `contact_sheet.png` (further pages `contact_sheet_2.png`, …) and lists its
    /// tiles in the report. The overlays must be in place (after a checkpoint).
    func write(to output: AggregateOutput) throws {
        let sorted = sorted
        guard !sorted.isEmpty else { return }
        for start in stride(from: 0, to: sorted.count, by: Self.pageSize) {
            let file = try output.newFile(
                Artifact(role: Self.role.name, name: ["contact_sheet"]), kind: "image", ext: ".png",
                shape: nil)
            try Self.draw(sorted[start..<min(start + Self.pageSize, sorted.count)], to: file)
        }
        output.add(
            ReportTable(
                layer: nil,
                summary: "Contact sheet order (\(sorted.count) inputs, \(Self.columns) per row, \(Self.pageSize) per page)",
                columns: ["Tile", "Input", "Class", "Label", "Score"],
                rows: sorted.enumerated().map { rank, tile in
                    ["\(rank + 1)", tile.input, "\(tile.classIndex)", tile.label ?? "—", String(format: "%.4f", tile.score)]
                }))
    }

    /// One page, written a row of tiles at a time: each overlay scaled to fit a `thumbnail`-pixel
    /// square, centred on black. Memory holds one row's band and its overlays, never the page.
    private static func draw(_ tiles: ArraySlice<Tile>, to file: URL) throws {
        let columnCount = min(columns, tiles.count)
        let rowCount = (tiles.count + columnCount - 1) / columnCount
        let pageWidth = columnCount * thumbnail + (columnCount - 1) * margin
        let writer = try PNGFileWriter(
            path: file.path, width: pageWidth, height: rowCount * thumbnail + (rowCount - 1) * margin,
            channels: 3)
        let tiles = Array(tiles)
        for row in 0..<rowCount {
            let slots = (row * columnCount)..<min((row + 1) * columnCount, tiles.count)
            var thumbnails = [Result<Bitmap, VizError>?](repeating: nil, count: slots.count)
            thumbnails.withUnsafeMutableBufferPointer { thumbnails in
                Parallelism.forEach(slots.count) { index in
                    thumbnails[index] = Result { try thumbnailOf(tiles[slots.lowerBound + index]) }
                        .mapError { $0 as? VizError ?? VizError("\($0)") }
                }
            }
            var band = Bitmap(width: pageWidth, height: thumbnail, channels: 3, filledWith: 0)
            for (column, result) in thumbnails.enumerated() {
                guard let small = try result?.get() else { continue }
                let left = column * (thumbnail + margin) + (thumbnail - small.width) / 2
                let top = (thumbnail - small.height) / 2
                for line in 0..<small.height {
                    let target = ((top + line) * pageWidth + left) * 3
                    band.pixels.replaceSubrange(
                        target..<(target + small.width * 3),
                        with: small.pixels[(line * small.width * 3)..<((line + 1) * small.width * 3)])
                }
            }
            try writer.append(band)
            if row < rowCount - 1 { try writer.append(Bitmap(width: pageWidth, height: margin, channels: 3, filledWith: 0)) }
        }
        try writer.finish()
    }

    /// The overlay scaled to fit a `thumbnail`-pixel square.
    private static func thumbnailOf(_ tile: Tile) throws -> Bitmap {
        let image = try Bitmap(contentsOfFile: tile.overlay.path, colorMode: .rgb)
        let scale = Double(thumbnail) / Double(max(image.width, image.height))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        return image.resized(width: width, height: height, filter: .bilinear)
    }
}
