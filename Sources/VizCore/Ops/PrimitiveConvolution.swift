import Foundation

/// A convolution that runs as oneDNN primitives, with a plain-Swift reference path behind them
/// for shapes oneDNN cannot express (and for the tests to compare against).
protocol PrimitiveConvolution: ChannelBlocksOp {
    /// In the layout the primitives' `weights` descriptor names (HWIO, or Keras's depthwise layout).
    var kernel: Tensor { get }
    var bias: [Float]? { get }
    var backends: ConvolutionBackends { get }

    /// Standard-layout inputs only.
    func forwardReference(_ inputs: [Tensor]) -> Tensor
    func inputGradientsReference(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor]
}

// MARK: - Default implementations

extension PrimitiveConvolution {
    func forwardKeepingLayout(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        Parallelism.applyToBackend()
        let out = backends.backend(for: x.shape).flatMap { backend in
            kernel.scalars.withUnsafeBufferPointer { weights in
                withBiasPointer { bias in backend.forward(x, weights: weights.baseAddress!, bias: bias) }
            }
        }
        return out ?? forwardReference([x.standardized()])
    }

    /// The convolution of `inputs[0]` followed by `epilogue` in the same primitive (adding
    /// `residual`, of the output's shape, when the epilogue says so), in the primitive's layout; nil
    /// where oneDNN has no such primitive, for the caller to run the steps one by one. The residual
    /// is taken only when the primitive runs (`DNNLConvolution.forward`).
    func forwardFused(_ inputs: [Tensor], epilogue: ConvolutionEpilogue, residual: inout Tensor?) -> Tensor? {
        let x = inputs[0]
        Parallelism.applyToBackend()
        guard let backend = backends.backend(for: x.shape) else { return nil }
        return kernel.scalars.withUnsafeBufferPointer { weights in
            withBiasPointer { bias in
                backend.forward(x, weights: weights.baseAddress!, bias: bias, epilogue: epilogue, residual: &residual)
            }
        }
    }

    func inputGradientsKeepingLayout(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        Parallelism.applyToBackend()
        let dx = backends.backend(for: x.shape).flatMap { backend in
            kernel.scalars.withUnsafeBufferPointer { backend.backwardData(outputGradient, weights: $0.baseAddress!) }
        }
        return dx.map { [$0] }
            ?? inputGradientsReference(
                [x.standardized()], output: output.standardized(),
                outputGradient: outputGradient.standardized())
    }

    private func withBiasPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// The oneDNN primitives of one convolution layer, per input shape.
final class ConvolutionBackends {
    let window: Window2D
    private let inChannels, filters, groups: Int
    private let hasBias: Bool
    private let cache = PrimitiveCache<DNNLConvolution.Geometry, DNNLConvolution>()

    init(window: Window2D, inChannels: Int, filters: Int, groups: Int, hasBias: Bool) {
        self.window = window
        self.inChannels = inChannels
        self.filters = filters
        self.groups = groups
        self.hasBias = hasBias
    }

    /// The primitives for an NHWC input of `shape`, or nil when oneDNN cannot express it.
    func backend(for shape: [Int]) -> DNNLConvolution? {
        backend(batch: shape[0], plan: window.plan(height: shape[1], width: shape[2]))
    }

    /// The primitives for `batch` images and the window placed as `plan` says.
    func backend(batch: Int, plan: Window2D.Plan) -> DNNLConvolution? {
        guard batch > 0, plan.outHeight > 0, plan.outWidth > 0, plan.inHeight > 0, plan.inWidth > 0 else { return nil }
        let w = window
        let geometry = DNNLConvolution.Geometry(
            batch: batch, inChannels: inChannels, height: plan.inHeight, width: plan.inWidth,
            filters: filters, outHeight: plan.outHeight, outWidth: plan.outWidth,
            kernelHeight: w.kernel.h, kernelWidth: w.kernel.w, strideHeight: w.strides.h, strideWidth: w.strides.w,
            dilationHeight: w.dilation.h, dilationWidth: w.dilation.w, padTop: plan.padTop, padLeft: plan.padLeft,
            padBottom: plan.padBottom, padRight: plan.padRight,
            hasBias: hasBias, groups: groups)
        return cache.primitives(for: geometry) { geometry in
            let backend = DNNLConvolution(geometry)
            return backend.geometry.isConsistent ? backend : nil
        }
    }
}
