import Foundation

/// 2-D convolution over NHWC input with an HWIO kernel (Keras `Conv2D` without its activation).
///
/// Forward and input gradient run as oneDNN convolution primitives (`DNNLConvolution`) with no
/// im2col, in the activation layout oneDNN prefers: inside a graph, outputs stay in that layout for
/// the next op (`ChannelBlocksOp`). The primitives are built once per input shape and thread count
/// and cached in the op.
///
/// When oneDNN has no primitive for a shape, the reference path takes over: im2col and one matrix
/// product per band of output pixels. The band bounds the column buffer's memory, the product
/// spreads over the cores, and im2col runs in parallel chunks. A 1×1 convolution with stride 1 and
/// no padding needs no im2col.
public final class Conv2DOp: Op, PrimitiveConvolution {
    /// (kh, kw, in, out)
    public let kernel: Tensor
    public let bias: [Float]?
    let window: Window2D

    public init(
        kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
        padding: Padding
    ) {
        precondition(kernel.rank == 4, "Conv2D kernel must be (kh, kw, in, out)")
        precondition(bias == nil || bias!.count == kernel.shape[3], "Conv2D bias must have one value per filter")
        self.kernel = kernel
        self.bias = bias
        window = Window2D(
            kernel: (kernel.shape[0], kernel.shape[1]), strides: strides, dilation: dilation,
            padding: padding)
        backends = ConvolutionBackends(
            window: window, inChannels: kernel.shape[2], filters: kernel.shape[3],
            groups: 1, hasBias: bias != nil)
    }

    public var kind: String { "Conv2D" }
    public var parameterCount: Int { kernel.count + (bias?.count ?? 0) }
    var filters: Int { kernel.shape[3] }
    var inChannels: Int { kernel.shape[2] }
    var patchSize: Int { kernel.shape[0] * kernel.shape[1] * kernel.shape[2] }

    public func outputShape(for inputShapes: [[Int]]) throws -> [Int] {
        let input = try ShapeCheck.single(inputShapes, kind, rank: 4)
        guard input[3] == inChannels else {
            throw VizError("Conv2D kernel expects \(inChannels) input channels, got \(input[3])")
        }
        let size = try window.outputSize(height: input[1], width: input[2], kind: kind)
        return [input[0], size.h, size.w, filters]
    }

    /// Whether the input, as it is, already is the column matrix.
    private var isPointwise: Bool {
        window.kernel == (1, 1) && window.strides == (1, 1)
    }

    /// Output pixels per band: about 64 MB of columns.
    private var bandRows: Int { max(256, (1 << 24) / max(patchSize, 1)) }
    /// Output pixels per im2col chunk, the unit of parallel work.
    private let chunkRows = 256

    // MARK: - oneDNN primitives

    let backends: ConvolutionBackends

    /// The primitives for an input of `shape`, or nil when oneDNN cannot express it.
    func backend(for shape: [Int]) -> DNNLConvolution? { backends.backend(for: shape) }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        forwardKeepingLayout(inputs).standardized()
    }

    public var gradientReads: GradientReads { .nothing }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        inputGradientsKeepingLayout(inputs, output: output, outputGradient: outputGradient).map { $0.standardized() }
    }

    // MARK: - Reference path: im2col and matrix products

    func forwardReference(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let batch = x.shape[0]
        let rows = batch * plan.outHeight * plan.outWidth
        var out = Tensor(zeros: [batch, plan.outHeight, plan.outWidth, filters])
        let (patch, filters) = (patchSize, self.filters)
        x.scalars.withUnsafeBufferPointer { input in
            kernel.scalars.withUnsafeBufferPointer { weights in
                out.scalars.withUnsafeMutableBufferPointer { output in
                    if isPointwise {
                        Gemm.multiply(
                            m: rows, n: filters, k: patch, a: input.baseAddress!, lda: patch,
                            b: weights.baseAddress!, ldb: filters, c: output.baseAddress!, ldc: filters,
                            accumulate: false)
                        return
                    }
                    var columns = [Float](repeating: 0, count: min(bandRows, rows) * patch)
                    columns.withUnsafeMutableBufferPointer { cols in
                        forEachBand(rows) { bandStart, bandCount in
                            let cols = cols
                            Parallelism.forEach((bandCount + chunkRows - 1) / chunkRows) { chunk in
                                let first = chunk * chunkRows
                                im2col(
                                    input.baseAddress!, plan: plan, firstRow: bandStart + first,
                                    rowCount: min(chunkRows, bandCount - first), into: cols.baseAddress! + first * patch)
                            }
                            Gemm.multiply(
                                m: bandCount, n: filters, k: patch, a: cols.baseAddress!, lda: patch,
                                b: weights.baseAddress!, ldb: filters,
                                c: output.baseAddress! + bandStart * filters, ldc: filters, accumulate: false)
                        }
                    }
                }
            }
        }
        if let bias { BiasAdd.add(bias, to: &out) }
        return out
    }

    func inputGradientsReference(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let rows = outputGradient.count / filters
        var dx = Tensor(zeros: x.shape)
        let (patch, filters) = (patchSize, self.filters)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            kernel.scalars.withUnsafeBufferPointer { weights in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    if isPointwise {
                        Gemm.multiply(
                            m: rows, n: patch, k: filters, a: dy.baseAddress!, lda: filters,
                            b: weights.baseAddress!, ldb: filters, transposeB: true,
                            c: dxBuffer.baseAddress!, ldc: patch, accumulate: false)
                        return
                    }
                    // Column gradients come from one product per band; scattering them back is serial,
                    // because neighbouring output pixels write to overlapping input pixels.
                    var columns = [Float](repeating: 0, count: min(bandRows, rows) * patch)
                    columns.withUnsafeMutableBufferPointer { cols in
                        forEachBand(rows) { bandStart, bandCount in
                            Gemm.multiply(
                                m: bandCount, n: patch, k: filters,
                                a: dy.baseAddress! + bandStart * filters, lda: filters,
                                b: weights.baseAddress!, ldb: filters, transposeB: true,
                                c: cols.baseAddress!, ldc: patch, accumulate: false)
                            col2im(
                                cols.baseAddress!, plan: plan, firstRow: bandStart, rowCount: bandCount,
                                into: dxBuffer.baseAddress!)
                        }
                    }
                }
            }
        }
        return [dx]
    }

    private func forEachBand(_ rows: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
        var start = 0
        while start < rows {
            let count = min(bandRows, rows - start)
            body(start, count)
            start += count
        }
    }

    /// Copies the receptive field of output pixels `firstRow ..< firstRow+rowCount` (flattened N·OH·OW)
    /// into rows of `patchSize` values, zeros where the window hangs over the padding.
    private func im2col(
        _ x: UnsafePointer<Float>, plan: Window2D.Plan, firstRow: Int, rowCount: Int,
        into cols: UnsafeMutablePointer<Float>
    ) {
        let channels = inChannels
        forEachTap(plan, firstRow: firstRow, rowCount: rowCount) { column, pixel in
            if let pixel {
                (cols + column).update(from: x + pixel * channels, count: channels)
            } else {
                (cols + column).update(repeating: 0, count: channels)
            }
        }
    }

    /// The adjoint of `im2col`: adds each column value back onto the input pixel it came from.
    private func col2im(
        _ cols: UnsafePointer<Float>, plan: Window2D.Plan, firstRow: Int, rowCount: Int,
        into dx: UnsafeMutablePointer<Float>
    ) {
        let channels = inChannels
        forEachTap(plan, firstRow: firstRow, rowCount: rowCount) { column, pixel in
            guard let pixel else { return }
            let target = dx + pixel * channels
            let source = cols + column
            for c in 0..<channels { target[c] += source[c] }
        }
    }

    /// Visits every (output pixel, kernel tap) of the rows in order: `body(columnOffset, inputPixel)`,
    /// where `columnOffset` is the tap's place in the column buffer and `inputPixel` the flattened
    /// N·H·W index it reads, or nil in the padding.
    @inline(__always)
    private func forEachTap(_ plan: Window2D.Plan, firstRow: Int, rowCount: Int, _ body: (Int, Int?) -> Void) {
        let channels = inChannels
        let (kh, kw) = window.kernel
        for r in 0..<rowCount {
            let flat = firstRow + r
            let ox = flat % plan.outWidth
            let oy = (flat / plan.outWidth) % plan.outHeight
            let n = flat / (plan.outWidth * plan.outHeight)
            var column = r * patchSize
            for ky in 0..<kh {
                let iy = plan.inputRow(oy, ky)
                for kx in 0..<kw {
                    let ix = plan.inputColumn(ox, kx)
                    let inside = iy >= 0 && iy < plan.inHeight && ix >= 0 && ix < plan.inWidth
                    body(column, inside ? (n * plan.inHeight + iy) * plan.inWidth + ix : nil)
                    column += channels
                }
            }
        }
    }
}
