/// 2-D convolution over NHWC input with an HWIO kernel (Keras `Conv2D` without its activation).
///
/// Forward and input gradient both go through im2col and a matrix product, in chunks of output
/// pixels so the column buffer stays small and the chunks can run on separate threads.
public final class Conv2DOp: Op {
    /// (kh, kw, in, out)
    public let kernel: Tensor
    public let bias: [Float]?
    let window: Window2D
    /// (out, kh·kw·in), made on first use: only the input gradient reads the kernel transposed.
    private let transposedKernel: Lazy<[Float]>

    public init(kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
                padding: Padding) {
        precondition(kernel.rank == 4, "Conv2D kernel must be (kh, kw, in, out)")
        precondition(bias == nil || bias!.count == kernel.shape[3], "Conv2D bias must have one value per filter")
        self.kernel = kernel
        self.bias = bias
        window = Window2D(kernel: (kernel.shape[0], kernel.shape[1]), strides: strides, dilation: dilation,
                          padding: padding)
        transposedKernel = Lazy { Gemm.transpose(kernel.scalars, rows: kernel.count / kernel.shape[3], columns: kernel.shape[3]) }
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

    /// Output pixels per chunk: enough rows to keep the matrix kernel busy, few enough to stay in cache.
    private var chunkRows: Int { max(64, min(1024, (1 << 18) / max(patchSize, 1))) }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let batch = x.shape[0]
        let rows = batch * plan.outHeight * plan.outWidth
        var out = Tensor(zeros: [batch, plan.outHeight, plan.outWidth, filters])
        let (patch, filters, chunk) = (patchSize, self.filters, chunkRows)
        let chunks = (rows + chunk - 1) / chunk
        x.scalars.withUnsafeBufferPointer { input in
            kernel.scalars.withUnsafeBufferPointer { weights in
                out.scalars.withUnsafeMutableBufferPointer { output in
                    let output = output
                    Parallelism.forEach(chunks) { index in
                        let first = index * chunk
                        let count = min(chunk, rows - first)
                        var columns = [Float](repeating: 0, count: count * patch)
                        columns.withUnsafeMutableBufferPointer { cols in
                            im2col(input.baseAddress!, plan: plan, firstRow: first, rowCount: count, into: cols.baseAddress!)
                            Gemm.multiply(m: count, n: filters, k: patch, a: cols.baseAddress!, lda: patch,
                                          b: weights.baseAddress!, ldb: filters,
                                          c: output.baseAddress! + first * filters, ldc: filters, accumulate: false)
                        }
                        if let bias {
                            for row in first..<(first + count) {
                                for f in 0..<filters { output[row * filters + f] += bias[f] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    public func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let x = inputs[0]
        let plan = window.plan(height: x.shape[1], width: x.shape[2])
        let rows = outputGradient.count / filters
        var dx = Tensor(zeros: x.shape)
        let (patch, filters, chunk) = (patchSize, self.filters, chunkRows)
        // Column gradients are computed in parallel for a band of chunks, then scattered serially,
        // because neighbouring output pixels write to overlapping input pixels.
        let band = chunk * max(Parallelism.threads, 1)
        var columns = [Float](repeating: 0, count: min(band, rows) * patch)
        let transposed = transposedKernel.wrappedValue
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            transposed.withUnsafeBufferPointer { weightsT in
                dx.scalars.withUnsafeMutableBufferPointer { dxBuffer in
                    columns.withUnsafeMutableBufferPointer { cols in
                        let cols = cols
                        var bandStart = 0
                        while bandStart < rows {
                            let bandRows = min(band, rows - bandStart)
                            let chunks = (bandRows + chunk - 1) / chunk
                            Parallelism.forEach(chunks) { index in
                                let first = index * chunk
                                let count = min(chunk, bandRows - first)
                                Gemm.multiply(m: count, n: patch, k: filters,
                                              a: dy.baseAddress! + (bandStart + first) * filters, lda: filters,
                                              b: weightsT.baseAddress!, ldb: patch,
                                              c: cols.baseAddress! + first * patch, ldc: patch, accumulate: false)
                            }
                            col2im(cols.baseAddress!, plan: plan, firstRow: bandStart, rowCount: bandRows,
                                   into: dxBuffer.baseAddress!)
                            bandStart += bandRows
                        }
                    }
                }
            }
        }
        return [dx]
    }

    /// Copies the receptive field of output pixels `firstRow ..< firstRow+rowCount` (flattened N·OH·OW)
    /// into rows of `patchSize` values, zeros where the window hangs over the padding.
    private func im2col(_ x: UnsafePointer<Float>, plan: Window2D.Plan, firstRow: Int, rowCount: Int,
                        into cols: UnsafeMutablePointer<Float>) {
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
    private func col2im(_ cols: UnsafePointer<Float>, plan: Window2D.Plan, firstRow: Int, rowCount: Int,
                        into dx: UnsafeMutablePointer<Float>) {
        let channels = inChannels
        forEachTap(plan, firstRow: firstRow, rowCount: rowCount) { column, pixel in
            guard let pixel else { return }
            let target = dx + pixel * channels, source = cols + column
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
