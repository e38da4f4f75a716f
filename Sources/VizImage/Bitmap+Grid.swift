import VizCore

extension Bitmap {
    /// Tiles laid out left to right, top to bottom, `columns` per row (fewer when there are fewer
    /// tiles), `margin` pixels of `background` between tiles but not around them, as the book's
    /// filter grid (`8 * size + 7 * margin`). The last row may be partial; its empty cells stay
    /// `background`.
    public static func grid(tiles: [Bitmap], columns: Int, margin: Int = 0, background: UInt8 = 0) -> Bitmap {
        precondition(!tiles.isEmpty, "a grid needs at least one tile")
        precondition(columns > 0 && margin >= 0, "a grid needs columns > 0 and margin >= 0")
        let first = tiles[0]
        precondition(
            tiles.allSatisfy { $0.width == first.width && $0.height == first.height && $0.channels == first.channels },
            "grid tiles must share width, height and channels")
        let columnCount = min(columns, tiles.count)
        let rowCount = (tiles.count + columnCount - 1) / columnCount
        let channels = first.channels
        let width = columnCount * first.width + (columnCount - 1) * margin
        let height = rowCount * first.height + (rowCount - 1) * margin
        var grid = Bitmap(width: width, height: height, channels: channels, filledWith: background)
        let tileRowLength = first.width * channels
        grid.pixels.withUnsafeMutableBufferPointer { output in
            for (index, tile) in tiles.enumerated() {
                let left = (index % columnCount) * (first.width + margin)
                let top = (index / columnCount) * (first.height + margin)
                tile.pixels.withUnsafeBufferPointer { input in
                    for row in 0..<first.height {
                        let target = output.baseAddress! + ((top + row) * width + left) * channels
                        target.update(from: input.baseAddress! + row * tileRowLength, count: tileRowLength)
                    }
                }
            }
        }
        return grid
    }
}
