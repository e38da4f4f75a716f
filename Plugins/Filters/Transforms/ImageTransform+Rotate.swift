import Foundation
import VizCore

/// `{rotate: [low, high]}`: lucent's `random_rotate(angles)`, an angle in degrees drawn from the
/// list each step (`[low, high]` lists every whole degree between), turning the image
/// counter-clockwise about its centre through kornia 0.4.1's warp, the uncovered corners black.
struct RandomRotation: ImageTransform, Equatable {
    let degrees: [Float]
    var resizes: Bool { false }

    func choose(using generator: inout SeededGenerator) -> Float {
        degrees[Int(generator.next() % UInt64(degrees.count))]
    }

    /// kornia's `get_rotation_matrix2d` about ((w − 1) / 2, (h − 1) / 2), scale 1.
    func resampling(height: Int, width: Int, choice: Float) -> Resampling {
        let angle = Double(choice) * .pi / 180
        let (alpha, beta) = (cos(angle), sin(angle))
        let (centreX, centreY) = (Double(width - 1) / 2, Double(height - 1) / 2)
        return .kornia(
            height: height, width: width,
            matrix: [
                [alpha, beta, (1 - alpha) * centreX - beta * centreY],
                [-beta, alpha, beta * centreX + (1 - alpha) * centreY],
            ])
    }
}
