import Foundation
import VizCore

/// `{jitter: d}`: lucent's `jitter(d)`, a translation by whole numbers `dx, dy` in `0 ..< d`
/// through kornia 0.4.1's `translate`, whose warp (see `Resampling.kornia`) moves the image by
/// `d · size / (size − 1)` pixels, sampled bilinearly, the uncovered border black.
struct Jitter: ImageTransform, Equatable {
    let distance: Int
    var resizes: Bool { false }

    func choose(using generator: inout SeededGenerator) -> (dx: Int, dy: Int) {
        (Int(generator.next() % UInt64(distance)), Int(generator.next() % UInt64(distance)))
    }

    func resampling(height: Int, width: Int, choice: (dx: Int, dy: Int)) -> Resampling {
        .kornia(height: height, width: width, matrix: [[1, 0, Double(choice.dx)], [0, 1, Double(choice.dy)]])
    }
}

extension Resampling {
    /// kornia 0.4.1's `warp_affine(image, matrix, (h, w))` (bilinear, zero padding, align_corners
    /// false): `matrix` maps source pixels to output pixels, but kornia normalises coordinates by
    /// `size − 1` while `grid_sample` reads them by `size`, so output pixel p samples
    /// `M⁻¹((p + ½)(n − 1)/n) · n/(n − 1) − ½` on each axis of size n.
    static func kornia(height: Int, width: Int, matrix m: [[Double]]) -> Resampling {
        let determinant = m[0][0] * m[1][1] - m[0][1] * m[1][0]
        let inverse = [[m[1][1], -m[0][1]], [-m[1][0], m[0][0]]].map { $0.map { $0 / determinant } }
        let (toY, toX) = (Double(height - 1) / Double(height), Double(width - 1) / Double(width))
        return Resampling(source: (height, width), size: (height, width), fillLevel: 0) { y, x in
            let (py, px) = ((Double(y) + 0.5) * toY - m[1][2], (Double(x) + 0.5) * toX - m[0][2])
            let sourceX = inverse[0][0] * px + inverse[0][1] * py
            let sourceY = inverse[1][0] * px + inverse[1][1] * py
            return bilinear(y: sourceY / toY - 0.5, x: sourceX / toX - 0.5)
        }
    }
}
