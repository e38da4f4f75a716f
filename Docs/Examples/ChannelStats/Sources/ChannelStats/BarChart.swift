import VizCore

/// One bar per value on white, growing up from a grey zero line (down for negative values), so
/// channels compare at a glance.
enum BarChart {
    static let bar: [UInt8] = [70, 110, 180]
    static let axis: [UInt8] = [150, 150, 150]

    static func draw(_ values: [Float], barWidth: Int, height: Int) -> Bitmap {
        let width = max(values.count, 1) * barWidth
        var chart = Bitmap(width: width, height: height, channels: 3, filledWith: 255)
        let finite = values.map { $0.isFinite ? $0 : 0 }
        let high = max(finite.max() ?? 0, 0), low = min(finite.min() ?? 0, 0)
        let span = high - low > 0 ? high - low : 1
        // Row of value v: 0 at the top for `high`, height - 1 at the bottom for `low`.
        let row = { (value: Float) in Int(((high - value) / span * Float(height - 1)).rounded()) }
        let zero = row(0)
        for (index, value) in finite.enumerated() {
            let (top, bottom) = (min(row(value), zero), max(row(value), zero))
            // A one-pixel gap keeps neighbouring bars apart when they are wide enough to afford it.
            let columns = index * barWidth..<(index * barWidth + max(barWidth - (barWidth > 2 ? 1 : 0), 1))
            for y in top...bottom { for x in columns { paint(&chart, x: x, y: y, bar) } }
        }
        for x in 0..<width { paint(&chart, x: x, y: zero, axis) }
        return chart
    }

    private static func paint(_ chart: inout Bitmap, x: Int, y: Int, _ color: [UInt8]) {
        let offset = (y * chart.width + x) * 3
        chart.pixels.replaceSubrange(offset..<offset + 3, with: color)
    }
}
