import VizCore

/// The CAM family, factored as pytorch-grad-cam's base_cam.py does: every method shares the
/// forward pass, the one backward pass giving dScore/dA (for those that read gradients), and
/// `relu(Σ_k weights_k ⊙ A_k)` then `/ max`; each method only computes its weights from the
/// activations A and gradients g, or, for Score-CAM and Ablation-CAM, from the scores of perturbed
/// copies (`PerturbationCAM`). Eigen-CAM and Eigen-Grad-CAM project instead of weighting.
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
    /// Muhammad & Yeasin: the projection of A onto its first principal component; no gradient.
    case eigencam
    /// pytorch-grad-cam's EigenGradCAM: the same projection of g ⊙ A.
    case eigengradcam
    /// Wang et al.: w = softmax over channels of the score of the input masked by each channel.
    case scorecam
    /// Desai & Ramaswamy: w_k = (score − score with channel k zeroed) / score.
    case ablationcam
    /// Selvaraju et al.: the Grad-CAM heatmap, upsampled, times the guided-backpropagation gradient.
    case guidedGradcam = "guided_gradcam"

    /// Other spellings a config may use (pytorch-grad-cam's class names, lower-cased).
    static let aliases: [String: CAMMethod] = ["gradcampp": .gradcamPlusPlus, "gradcamplusplus": .gradcamPlusPlus]

    /// Whether the method reads dScore/dA.
    var needsGradients: Bool { ![.eigencam, .scorecam, .ablationcam].contains(self) }

    /// Whether the method scores perturbed copies of the input or of A (`PerturbationCAM`).
    var perturbs: Bool { self == .scorecam || self == .ablationcam }

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
        case .gradcam, .guidedGradcam:
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
        case .eigencam, .eigengradcam, .scorecam, .ablationcam:
            preconditionFailure("\(rawValue) has no weights of A and g")
        }
    }

    /// The map per pixel before relu: `Σ_k weights ⊙ A_k` (the book's gradcam: the mean over
    /// channels), or the Eigen methods' projection.
    func combination(activations a: [Float], gradients g: [Float], channels: Int) -> [Float] {
        switch self {
        case .eigencam: return PrincipalComponent.projection(a, channels: channels)
        case .eigengradcam: return PrincipalComponent.projection(zip(g, a).map { $0 * $1 }, channels: channels)
        default:
            let weights = weights(activations: a, gradients: g, channels: channels)
            return Self.weightedSum(a, weights, channels: channels, divisor: self == .gradcam ? Double(channels) : 1)
        }
    }

    /// `Σ_k weights ⊙ A_k / divisor` per pixel.
    static func weightedSum(_ a: [Float], _ weights: Weights, channels: Int, divisor: Double = 1) -> [Float] {
        let pixels = a.count / channels
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
    /// resolution, in [0, 1]. A map with no positive value stays all zero (never NaN). Without
    /// gradients (`needsGradients` false) `gradients` is not read.
    func heatmaps(activations: Tensor, gradients: Tensor?) -> [Tensor] {
        precondition(
            activations.rank == 4 && (gradients == nil || activations.shape == gradients!.shape),
            "CAM needs (N, H, W, C) activations and gradients of that shape, got \(activations.shape)")
        let (batch, height, width, channels) = (
            activations.shape[0], activations.shape[1], activations.shape[2], activations.shape[3]
        )
        let itemSize = height * width * channels
        return (0..<batch).map { item in
            let range = (item * itemSize)..<((item + 1) * itemSize)
            let raw = combination(
                activations: Array(activations.scalars[range]), gradients: gradients.map { Array($0.scalars[range]) } ?? [],
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
