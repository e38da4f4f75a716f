internal import CDNNL
import Foundation

/// oneDNN convolution primitives (forward inference and backward data) for one NHWC input shape
/// and an HWIO kernel, with no im2col.
///
/// Every layout of the forward pass is oneDNN's choice (`format_tag_any`): on AVX2 it picks 8-channel
/// blocks for activations and matching blocked weights, and runs about twice as fast as on NHWC
/// (on AVX-512 its brgemm kernels take NHWC). Backward data takes its gradients in the layouts the
/// forward pass chose, so that a traced pass reorders nothing on the way back. The kernel is
/// reordered once per pass and kept here. An output comes back in the primitive's layout when
/// vizrun has a `TensorLayout` for it, so the next op can take it as it is; an input in another
/// layout than the primitive's is reordered on the way in. Primitives are created on first use;
/// when oneDNN has no implementation for the shape, the pass reports failure and the caller takes
/// its reference path.
final class DNNLConvolution {
    let geometry: Geometry
    private let weightsDescriptor, biasDescriptor: dnnl_memory_desc_t

    private struct Pass {
        let primitive: DNNLPrimitive
        /// The forward-training primitive a backward pass was made with, which it refers to.
        let hint: DNNLPrimitive?
        /// The kernel's layout the primitive chose.
        let kernelLayout: dnnl_memory_desc_t
        /// The kernel in that layout, once the pass is chosen; nil when it is plain HWIO.
        var weights: DNNLMemory?
        /// The activation the pass reads (source, or the output's gradient) and the one it writes,
        /// over the whole batch.
        let read, written: dnnl_memory_desc_t
        /// What one execution of the primitive reads and writes: the whole batch, or
        /// `images` of it when the whole batch's scratchpad would exceed the budget.
        let slice: (images: Int, read: dnnl_memory_desc_t, written: dnnl_memory_desc_t)

        /// Runs `execute` over the batch from `read` into `written` (both in the pass's layouts),
        /// a slice at a time.
        func execute(
            read: UnsafeMutableRawPointer, written: UnsafeMutableRawPointer,
            _ execute: (_ read: DNNLMemory, _ written: DNNLMemory) -> Void
        ) {
            let (readBytes, writtenBytes) = (DNNL.size(slice.read), DNNL.size(slice.written))
            for offset in 0..<(DNNL.size(self.read) / readBytes) {
                execute(
                    DNNLMemory(slice.read, read + offset * readBytes),
                    DNNLMemory(slice.written, written + offset * writtenBytes))
            }
        }
    }

    /// The most scratchpad bytes a pass may ask for before it runs the batch in slices (tests
    /// lower it before the first pass).
    ///
    /// Every primitive shares one scratchpad, as large as the largest has needed (`DNNL.execute`),
    /// and some grow with the batch: Winograd's for VGG16's first convolution took 867 MB for 25
    /// images at 224×224, more than the layer's output, and held it to the end of the run
    /// (Integrated Gradients' passes). A few images at a time run as fast.
    var scratchpadBudget = 64 << 20

    private enum State {
        case untried, failed
        case ready(Pass)
    }

    private let lock = NSLock()
    private var forwardStates: [ConvolutionEpilogue: State] = [:]
    private var backwardState = State.untried
    /// The kernel in each layout a pass chose, reordered once and shared by the passes (a plain
    /// forward pass and its fused forms, say) that read it so.
    private var reorderedKernels: [(layout: dnnl_memory_desc_t, memory: DNNLMemory)] = []

    init(_ geometry: Geometry) {
        self.geometry = geometry
        (weightsDescriptor, biasDescriptor) = (geometry.weightsDescriptor, geometry.biasDescriptor)
    }

    // MARK: - Execution

    /// `conv(source, weights) (+ bias)`.
    func forward(_ source: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?) -> Tensor? {
        var noResidual: Tensor?
        return forward(source, weights: weights, bias: bias, epilogue: .none, residual: &noResidual)
    }

    /// `conv(source, weights) (+ bias)`, then the `epilogue` (adding `residual`, of the output's
    /// shape, when it says so), or nil when no primitive exists for the shape and epilogue. The
    /// residual is taken (left nil) only when the pass runs: one in the primitive's output layout
    /// that nothing else holds becomes the output in place.
    func forward(
        _ source: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        epilogue: ConvolutionEpilogue, residual: inout Tensor?
    ) -> Tensor? {
        precondition(epilogue.addsResidual == (residual != nil), "a residual goes with a summing epilogue")
        // A residual that broadcasts to the output is summed the long way.
        guard residual.map({ $0.shape == geometry.outputShape }) ?? true,
            let pass = forwardPass(weights: weights, epilogue: epilogue)
        else { return nil }
        var destination: Tensor?
        if epilogue.addsResidual {
            // The sum post-op reads the destination in the primitive's layout, which must be one vizrun has.
            guard let layout = DNNL.layout(of: pass.written, geometry.outputShape) else { return nil }
            destination = residual.take()!.relaidOut(layout)
        }
        return run(pass, reading: source, writing: geometry.outputShape, into: destination) { read, written in
            var arguments: [(Int32, DNNLMemory)] = [
                (DNNL_ARG_SRC, read),
                (DNNL_ARG_WEIGHTS, pass.weights ?? DNNLMemory(weightsDescriptor, weights)),
                (DNNL_ARG_DST, written),
            ]
            if geometry.hasBias {
                guard let bias else { preconditionFailure("convolution primitive built with a bias got none") }
                arguments.append((DNNL_ARG_BIAS, DNNLMemory(biasDescriptor, bias)))
            }
            pass.primitive.execute(arguments, "convolution forward")
        }
    }

    /// The gradient with respect to the source, given the output's, or nil when no primitive exists.
    func backwardData(_ outputGradient: Tensor, weights: UnsafePointer<Float>) -> Tensor? {
        guard let pass = backwardPass(weights: weights) else { return nil }
        return run(pass, reading: outputGradient, writing: geometry.inputShape) { read, written in
            pass.primitive.execute(
                [
                    (DNNL_ARG_DIFF_DST, read),
                    (DNNL_ARG_WEIGHTS, pass.weights ?? DNNLMemory(weightsDescriptor, weights)),
                    (DNNL_ARG_DIFF_SRC, written),
                ], "convolution backward data")
        }
    }

    /// Runs `execute` with `input` in the layout the pass reads, and returns what it writes as a
    /// tensor of `shape`: in the pass's layout when vizrun has one for it, otherwise reordered to
    /// standard. A `destination` (already in the pass's layout) is written over in place.
    private func run(
        _ pass: Pass, reading input: Tensor, writing shape: [Int], into destination: consuming Tensor? = nil,
        _ execute: (_ read: DNNLMemory, _ written: DNNLMemory) -> Void
    ) -> Tensor {
        func withWritten(_ read: UnsafeMutableRawPointer) -> Tensor {
            if var out = destination.take() {
                out.scalars.withUnsafeMutableBytes { pass.execute(read: read, written: $0.baseAddress!, execute) }
                return out
            }
            if let layout = DNNL.layout(of: pass.written, shape) {
                return Tensor(shape: shape, layout: layout) { out in
                    pass.execute(read: read, written: UnsafeMutableRawPointer(out.baseAddress!), execute)
                }
            }
            var scratch = Self.scratch(for: pass.written)
            return scratch.withUnsafeMutableBytes { buffer in
                pass.execute(read: read, written: buffer.baseAddress!, execute)
                return Tensor(shape: shape) { out in
                    DNNL.reorder(
                        buffer.baseAddress!, pass.written, into: out.baseAddress!,
                        DNNL.descriptor(shape, .standard))
                }
            }
        }
        return input.scalars.withUnsafeBytes { given in
            let givenDescriptor = DNNL.descriptor(input.shape, input.layout)
            if DNNL.equal(givenDescriptor, pass.read) {
                return withWritten(UnsafeMutableRawPointer(mutating: given.baseAddress!))
            }
            var scratch = Self.scratch(for: pass.read)
            return scratch.withUnsafeMutableBytes { buffer in
                DNNL.reorder(given.baseAddress!, givenDescriptor, into: buffer.baseAddress!, pass.read)
                return withWritten(buffer.baseAddress!)
            }
        }
    }

    /// Uninitialised room for an activation in layout `md` (blocked layouts may pad channels).
    private static func scratch(for md: dnnl_memory_desc_t) -> [Float] {
        let count = (DNNL.size(md) + 3) / 4
        return [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Names of the implementations oneDNN picked (for benchmarks and tests).
    var implementations: (forward: String?, backward: String?) {
        let passes = self.passes
        return (passes.forward?.primitive.implementation, passes.backward?.primitive.implementation)
    }

    /// How many images one execution of each pass takes (for tests).
    var imagesPerExecution: (forward: Int?, backward: Int?) {
        let passes = self.passes
        return (passes.forward?.slice.images, passes.backward?.slice.images)
    }

    private var passes: (forward: Pass?, backward: Pass?) {
        lock.lock()
        defer { lock.unlock() }
        func pass(_ state: State?) -> Pass? {
            if case .ready(let pass) = state { return pass }
            return nil
        }
        return (pass(forwardStates[.none]), pass(backwardState))
    }

    // MARK: - Primitive creation

    private func forwardPass(weights: UnsafePointer<Float>, epilogue: ConvolutionEpilogue) -> Pass? {
        lock.lock()
        defer { lock.unlock() }
        switch forwardStates[epilogue, default: .untried] {
        case .ready(let pass): return pass
        case .failed: return nil
        case .untried:
            let pass = firstPass(weights: weights) { algorithm, slice in
                slice.convolutionDescriptor(kind: dnnl_forward_inference, bias: self.geometry.hasBias, algorithm: algorithm)
                    .flatMap {
                        self.makePass(
                            operation: $0, hint: nil, epilogue: epilogue, read: dnnl_query_src_md, written: dnnl_query_dst_md,
                            images: slice.batch)
                    }
            }
            forwardStates[epilogue] = pass.map { .ready($0) } ?? .failed
            return pass
        }
    }

    private func backwardPass(weights: UnsafePointer<Float>) -> Pass? {
        lock.lock()
        defer { lock.unlock() }
        switch backwardState {
        case .ready(let pass): return pass
        case .failed: return nil
        case .untried:
            // In the forward pass's layouts the gradients need no reorder on either side (a graph
            // keeps each gradient in its value's layout); where oneDNN has nothing for those, its choice.
            let pass = firstPass(weights: weights) { algorithm, slice in
                self.forwardLayouts.flatMap { self.backwardPass(slice, layouts: $0, algorithm: algorithm) }
                    ?? self.backwardPass(slice, layouts: nil, algorithm: algorithm)
            }
            backwardState = pass.map { .ready($0) } ?? .failed
            return pass
        }
    }

    /// The activation layouts of a forward pass already made: what it reads and what it writes.
    private var forwardLayouts: Geometry.ActivationLayouts? {
        for case .ready(let pass) in forwardStates.values { return (pass.read, pass.written) }
        return nil
    }

    /// Backward data over `slice` by `algorithm` with its gradients in `layouts` (the whole
    /// batch's; nil: oneDNN's choice), and the forward-training primitive it needs as a hint.
    private func backwardPass(
        _ slice: Geometry, layouts: Geometry.ActivationLayouts?, algorithm: dnnl_alg_kind_t
    ) -> Pass? {
        guard
            let hintOperation = slice.convolutionDescriptor(
                kind: dnnl_forward_training, bias: false, layouts: layouts, algorithm: algorithm),
            let hint = withUnsafeBytes(of: hintOperation, { DNNLPrimitive(operation: $0.baseAddress!) }),
            let operation = slice.backwardDataDescriptor(layouts: layouts, algorithm: algorithm)
        else { return nil }
        return makePass(
            operation: operation, hint: hint, read: dnnl_query_diff_dst_md, written: dnnl_query_diff_src_md, images: slice.batch)
    }

    /// The pass `make` builds with the first of `algorithms` it can: for the whole batch or, when
    /// that one's scratchpad is over the budget, for the largest slice of it (a divisor of the
    /// batch) whose scratchpad is within, or one image; with `weights` in the layout it chose.
    private func firstPass(
        weights: UnsafePointer<Float>, _ make: (_ algorithm: dnnl_alg_kind_t, _ slice: Geometry) -> Pass?
    ) -> Pass? {
        for algorithm in geometry.algorithms {
            guard var pass = withinScratchpadBudget({ make(algorithm, $0) }) else { continue }
            pass.weights = kernel(in: pass.kernelLayout, from: weights)
            return pass
        }
        return nil
    }

    /// The kernel reordered into `layout`, once per layout and shared by the passes that read it
    /// so; nil when `layout` is plain HWIO.
    private func kernel(in layout: dnnl_memory_desc_t, from weights: UnsafePointer<Float>) -> DNNLMemory? {
        if let shared = reorderedKernels.first(where: { DNNL.equal($0.layout, layout) }) { return shared.memory }
        guard !DNNL.equal(layout, weightsDescriptor) else { return nil }
        let reordered = DNNLMemory(layout, DNNL.allocate)
        DNNLPrimitive(reorderFrom: weightsDescriptor, to: layout).execute(
            [(DNNL_ARG_FROM, DNNLMemory(weightsDescriptor, weights)), (DNNL_ARG_TO, reordered)], "weights reorder")
        reorderedKernels.append((layout, reordered))
        return reordered
    }

    private func withinScratchpadBudget(_ make: (_ slice: Geometry) -> Pass?) -> Pass? {
        let batch = geometry.batch
        guard let whole = make(geometry) else { return nil }
        let bytes = whole.primitive.scratchpadBytes
        guard bytes > scratchpadBudget else { return whole }
        for images in (1..<batch).reversed() where batch % images == 0 {
            // Scratchpads grow about in proportion to the batch: skip slices sure to be over.
            guard images == 1 || images * bytes / batch <= scratchpadBudget else { continue }
            guard let pass = make(geometry.with(batch: images)) else { return whole }
            if images == 1 || pass.primitive.scratchpadBytes <= scratchpadBudget { return pass }
        }
        return whole
    }

    /// The primitive for `operation` over `images` of the batch; its kernel comes once it is chosen.
    private func makePass(
        operation: dnnl_convolution_desc_t, hint: DNNLPrimitive?, epilogue: ConvolutionEpilogue = .none,
        read: dnnl_query_t, written: dnnl_query_t, images: Int
    ) -> Pass? {
        guard
            let primitive = withUnsafeBytes(
                of: operation,
                {
                    DNNLPrimitive(operation: $0.baseAddress!, hint: hint, epilogue: epilogue)
                })
        else { return nil }
        let kernelLayout = primitive.memoryDescriptor(dnnl_query_weights_md)
        let slice = (images: images, read: primitive.memoryDescriptor(read), written: primitive.memoryDescriptor(written))
        guard images != geometry.batch else {
            return Pass(
                primitive: primitive, hint: hint, kernelLayout: kernelLayout, read: slice.read, written: slice.written,
                slice: slice)
        }
        guard let wholeRead = DNNL.batched(slice.read, geometry.batch),
            let wholeWritten = DNNL.batched(slice.written, geometry.batch)
        else { return nil }
        return Pass(
            primitive: primitive, hint: hint, kernelLayout: kernelLayout, read: wholeRead, written: wholeWritten,
            slice: slice)
    }
}
