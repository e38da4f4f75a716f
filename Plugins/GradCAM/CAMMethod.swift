import VizCore

/// The CAM family, factored as pytorch-grad-cam's base_cam.py does: every method shares the
/// forward pass, the one backward pass giving dScore/dA, and `relu(Σ_k weights_k ⊙ A_k)` then
/// `/ max`; each method only computes its weights from the activations A and gradients g.
enum CAMMethod: String, CaseIterable, Sendable {
    /// Deep Learning with Python 5.4.3 (Selvaraju et al.): w_k = mean_hw(g_k); the channels are
    /// averaged (not summed) as the book does; the same after normalisation.
    case gradcam
    /// Chattopadhyay et al.: w_k = Σ_hw relu(g)·α, α = g² / (2g² + Σ_hw A · g³ + 1e-6), α = 0 where g = 0
    /// (pytorch-grad-cam's grad_cam_plusplus.py epsilon).
    case gradcamPlusPlus = "gradcam++"
    /// Fu et al.: w_k = Σ_hw(g·A) / (Σ_hw A + 1e-7).
    case xgradcam
    /// Jiang et al.: elementwise weights relu(g).
    case layercam
    /// Draelos & Carin: elementwise weights g.
    case hirescam

    /// Other spellings a config may use (pytorch-grad-cam's class names, lower-cased).
    static let aliases: [String: CAMMethod] = ["gradcampp": .gradcamPlusPlus, "gradcamplusplus": .gradcamPlusPlus]

    /// One weight per channel, or one per element of A.
    enum Weights: Equatable {
        case channel([Float])
        case elementwise([Float])
    }

    /// The method's weights for one batch item; `activations` and `gradients` are
    /// `pixels × channels` row-major (NHWC without the batch axis).
    func weights(activations a: [Float], gradients g: [Float], channels: Int) -> Weights {
        let pixels = a.count / channels
        switch self {
        case .gradcam:
            var sums = [Double](repeating: 0, count: channels)
            for p in 0..<pixels { for k in 0..<channels { sums[k] += Double(g[p * channels + k]) } }
            return .channel(sums.map { Float($0 / Double(pixels)) })
        case .gradcamPlusPlus:
            let sumA = Self.spatialSums(a, channels: channels)
            var weights = [Double](repeating: 0, count: channels)
            for p in 0..<pixels {
                for k in 0..<channels {
                    let grad = g[p * channels + k]
                    guard grad != 0 else { continue }
                    let g2 = grad * grad
                    let g3 = g2 * grad
                    let alpha = g2 / (2 * g2 + sumA[k] * g3 + 1e-6)
                    weights[k] += Double(max(grad, 0) * alpha)
                }
            }
            return .channel(weights.map { Float($0) })
        case .xgradcam:
            let sumA = Self.spatialSums(a, channels: channels)
            var weights = [Double](repeating: 0, count: channels)
            for p in 0..<pixels {
                for k in 0..<channels { weights[k] += Double(g[p * channels + k]) * Double(a[p * channels + k]) }
            }
            return .channel((0..<channels).map { Float(weights[$0] / (Double(sumA[$0]) + 1e-7)) })
        case .layercam:
            return .elementwise(g.map { $0 > 0 ? $0 : 0 })
        case .hirescam:
            return .elementwise(g)
        }
    }

    /// `Σ_k weights ⊙ A_k` per pixel, before relu (the book's gradcam: the mean over channels).
    func combination(activations a: [Float], gradients g: [Float], channels: Int) -> [Float] {
        let pixels = a.count / channels
        let weights = weights(activations: a, gradients: g, channels: channels)
        let divisor = self == .gradcam ? Double(channels) : 1
        return (0..<pixels).map { p in
            var sum: Double = 0
            switch weights {
            case .channel(let w):
                for k in 0..<channels { sum += Double(w[k]) * Double(a[p * channels + k]) }
            case .elementwise(let w):
                for k in 0..<channels { sum += Double(w[p * channels + k]) * Double(a[p * channels + k]) }
            }
            return Float(sum / divisor)
        }
    }

    /// The heatmap of each batch item: `relu(combination) / max`, shape (H, W) at the layer's
    /// resolution, in [0, 1]. A map with no positive value stays all zero (never NaN).
    func heatmaps(activations: Tensor, gradients: Tensor) -> [Tensor] {
        precondition(
            activations.rank == 4 && activations.shape == gradients.shape,
            "CAM needs matching (N, H, W, C) activations and gradients, got \(activations.shape) and \(gradients.shape)")
        let (batch, height, width, channels) = (
            activations.shape[0], activations.shape[1], activations.shape[2], activations.shape[3]
        )
        let itemSize = height * width * channels
        return (0..<batch).map { item in
            let range = (item * itemSize)..<((item + 1) * itemSize)
            let raw = combination(
                activations: Array(activations.scalars[range]), gradients: Array(gradients.scalars[range]),
                channels: channels)
            return Tensor(shape: [height, width], scalars: Self.normalized(raw))
        }
    }

    /// `relu` then `/ max`, as the book: all zeros when nothing is positive (or the max is not finite).
    static func normalized(_ values: [Float]) -> [Float] {
        let rectified = values.map { $0 > 0 ? $0 : 0 } // NaN → 0
        let largest = rectified.max() ?? 0
        guard largest > 0, largest.isFinite else { return [Float](repeating: 0, count: values.count) }
        return rectified.map { $0 / largest }
    }

    private static func spatialSums(_ a: [Float], channels: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: channels)
        for p in 0..<(a.count / channels) { for k in 0..<channels { sums[k] += Double(a[p * channels + k]) } }
        return sums.map { Float($0) }
    }
}
