import VizCore

extension Faithfulness {
    static let curveRole = ArtifactRole("faithfulness_curve", title: "faithfulness curve")

    /// Writes each curve of `scores` as `<folder>/<map>_<metric>.npy` (the score at each step)
    /// and `.png` (a small plot); the areas are the map's own measures.
    static func emitCurves(
        _ scores: Scores, folder: [String], map: String, input: String, layer: String?, classIndex: Int,
        sink: ArtifactSink
    ) throws {
        for (metric, curve) in [(Metric.deletion, scores.deletion), (.insertion, scores.insertion)] {
            guard let curve else { continue }
            let artifact = Artifact(
                role: curveRole.name, name: folder + ["\(map)_\(metric.rawValue)"], input: input, layer: layer,
                classIndex: classIndex)
            try sink.add(artifact, array: Tensor(shape: [1, curve.count], scalars: curve))
            try sink.add(artifact, image: plot(curve))
        }
    }

    /// The curve over the fraction of pixels flipped, 160 × 100 pixels: a grey frame, the area
    /// under the curve shaded, the curve in dark blue; the vertical axis runs from min(0, lowest)
    /// to the highest score.
    static func plot(_ curve: [Float], width: Int = 160, height: Int = 100) -> Bitmap {
        var bitmap = Bitmap(width: width, height: height, channels: 3, filledWith: 255)
        let margin = 4
        let (left, right, top, bottom) = (margin, width - 1 - margin, margin, height - 1 - margin)
        let low = min(0, curve.min() ?? 0)
        let high = max(curve.max() ?? 1, low + 1e-6)
        func point(_ index: Int) -> (x: Int, y: Int) {
            let x = left + Int((Double(index) / Double(max(curve.count - 1, 1)) * Double(right - left)).rounded())
            let fraction = Double((curve[index] - low) / (high - low))
            return (x, bottom - Int((fraction * Double(bottom - top)).rounded()))
        }
        func paint(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            let at = (y * width + x) * 3
            (bitmap.pixels[at], bitmap.pixels[at + 1], bitmap.pixels[at + 2]) = color
        }
        let points = curve.indices.map(point)
        // The shaded area: each column filled below the line through its neighbouring points.
        for (a, b) in zip(points, points.dropFirst()) where b.x > a.x {
            for x in a.x...b.x {
                let y = a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
                for row in y...bottom { paint(x, row, (205, 220, 240)) }
            }
        }
        for x in left...right {
            paint(x, top, (170, 170, 170))
            paint(x, bottom, (170, 170, 170))
        }
        for y in top...bottom {
            paint(left, y, (170, 170, 170))
            paint(right, y, (170, 170, 170))
        }
        for (a, b) in zip(points, points.dropFirst()) {
            let count = max(abs(b.x - a.x), abs(b.y - a.y), 1)
            for step in 0...count {
                paint(a.x + (b.x - a.x) * step / count, a.y + (b.y - a.y) * step / count, (20, 60, 140))
            }
        }
        if points.count == 1 { paint(points[0].x, points[0].y, (20, 60, 140)) }
        return bitmap
    }
}
