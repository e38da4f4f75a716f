internal import CDNNL
import Foundation

/// oneDNN pooling primitives (forward inference and backward data) for one input shape, run on
/// the input's own layout: pooling treats channels independently, so blocked activations stay blocked.
///
/// oneDNN's max pooling backward needs the forward-training pass's workspace (where each window's
/// maximum was). Rather than keep a workspace for every pooling in a traced pass, the backward
/// runs the training forward again: a pass over the input, cheap beside the convolutions around it.
/// oneDNN pads max pooling with −∞ and averages over the in-bounds values only, as TensorFlow does.
final class DNNLPooling {
    struct Geometry: Hashable {
        var batch, channels, height, width, outHeight, outWidth: Int
        var kernelHeight, kernelWidth, strideHeight, strideWidth: Int
        var padTop, padLeft, padBottom, padRight: Int
        var isMax: Bool
        var layout: TensorLayout

        var inputShape: [Int] { [batch, height, width, channels] }
        var outputShape: [Int] { [batch, outHeight, outWidth, channels] }
    }

    let geometry: Geometry
    private let source, destination: dnnl_memory_desc_t
    private let inference: DNNLPrimitive

    private struct Backward {
        let primitive: DNNLPrimitive
        /// Max pooling's forward-training primitive and the workspace it hands the backward pass.
        let training: (primitive: DNNLPrimitive, workspace: dnnl_memory_desc_t)?
    }

    private let lock = NSLock()
    private var backwardState: Backward??

    /// Nil when oneDNN has no implementation for the geometry.
    init?(_ geometry: Geometry) {
        self.geometry = geometry
        source = DNNL.descriptor(geometry.inputShape, geometry.layout)
        destination = DNNL.descriptor(geometry.outputShape, geometry.layout)
        guard
            let inference = Self.forwardDescriptor(geometry, dnnl_forward_inference, source, destination)
                .flatMap({ operation in withUnsafeBytes(of: operation) { DNNLPrimitive(operation: $0.baseAddress!) } })
        else { return nil }
        self.inference = inference
    }

    var implementation: String { inference.implementation }

    // MARK: - Execution

    /// The pooled input, in the input's layout.
    func forward(_ input: Tensor) -> Tensor {
        Tensor(shape: geometry.outputShape, layout: geometry.layout) { out in
            input.scalars.withUnsafeBufferPointer { x in
                inference.execute(
                    [
                        (DNNL_ARG_SRC, DNNLMemory(source, x.baseAddress!)),
                        (DNNL_ARG_DST, DNNLMemory(destination, UnsafeMutableRawPointer(out.baseAddress!))),
                    ], "pooling forward")
            }
        }
    }

    /// The gradient with respect to `input` given the output's (both in the geometry's layout), or
    /// nil when oneDNN has no backward implementation for the geometry.
    func backwardData(_ input: Tensor, outputGradient: Tensor) -> Tensor? {
        guard let backward = backwardPrimitives() else { return nil }
        return Tensor(shape: geometry.inputShape, layout: geometry.layout) { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                var arguments: [(Int32, DNNLMemory)] = [
                    (DNNL_ARG_DIFF_DST, DNNLMemory(destination, dy.baseAddress!)),
                    (DNNL_ARG_DIFF_SRC, DNNLMemory(source, UnsafeMutableRawPointer(dx.baseAddress!))),
                ]
                if let training = backward.training {
                    let workspace = DNNLMemory(training.workspace, DNNL.allocate)
                    input.scalars.withUnsafeBufferPointer { x in
                        training.primitive.execute(
                            [
                                (DNNL_ARG_SRC, DNNLMemory(source, x.baseAddress!)),
                                (DNNL_ARG_DST, DNNLMemory(destination, DNNL.allocate)),
                                (DNNL_ARG_WORKSPACE, workspace),
                            ], "pooling forward training")
                    }
                    arguments.append((DNNL_ARG_WORKSPACE, workspace))
                }
                backward.primitive.execute(arguments, "pooling backward")
            }
        }
    }

    // MARK: - Primitive creation

    private func backwardPrimitives() -> Backward? {
        lock.lock()
        defer { lock.unlock() }
        if let made = backwardState { return made }
        let made = makeBackward()
        backwardState = .some(made)
        return made
    }

    private func makeBackward() -> Backward? {
        guard let trainingOperation = Self.forwardDescriptor(geometry, dnnl_forward_training, source, destination),
            let training = withUnsafeBytes(of: trainingOperation, { DNNLPrimitive(operation: $0.baseAddress!) })
        else { return nil }
        var operation = dnnl_pooling_desc_t()
        var (diffSource, diffDestination) = (source, destination)
        let s = Self.spatial(geometry)
        guard
            dnnl_pooling_backward_desc_init(
                &operation, Self.algorithm(geometry), &diffSource, &diffDestination,
                s.strides, s.kernel, s.left, s.right) == dnnl_success,
            let primitive = withUnsafeBytes(of: operation, { DNNLPrimitive(operation: $0.baseAddress!, hint: training) })
        else { return nil }
        return Backward(
            primitive: primitive,
            training: geometry.isMax ? (training, training.memoryDescriptor(dnnl_query_workspace_md)) : nil)
    }

    private static func algorithm(_ g: Geometry) -> dnnl_alg_kind_t {
        g.isMax ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding
    }

    private static func spatial(_ g: Geometry) -> (
        strides: [dnnl_dim_t], kernel: [dnnl_dim_t], left: [dnnl_dim_t],
        right: [dnnl_dim_t]
    ) {
        (
            [g.strideHeight, g.strideWidth].map { dnnl_dim_t($0) }, [g.kernelHeight, g.kernelWidth].map { dnnl_dim_t($0) },
            [g.padTop, g.padLeft].map { dnnl_dim_t($0) }, [g.padBottom, g.padRight].map { dnnl_dim_t($0) }
        )
    }

    private static func forwardDescriptor(
        _ g: Geometry, _ kind: dnnl_prop_kind_t, _ source: dnnl_memory_desc_t,
        _ destination: dnnl_memory_desc_t
    ) -> dnnl_pooling_desc_t? {
        var operation = dnnl_pooling_desc_t()
        var (source, destination) = (source, destination)
        let s = spatial(g)
        let status = dnnl_pooling_forward_desc_init(
            &operation, kind, algorithm(g), &source, &destination,
            s.strides, s.kernel, s.left, s.right)
        return status == dnnl_success ? operation : nil
    }
}
