import VizCore

extension Bitmap {
    /// The image scaled to `width` × `height` exactly as Pillow's `Image.resize(size, filter)` does
    /// for "L" and "RGB" images: the same source pixels for `.nearest`, and for `.bilinear` and
    /// `.bicubic` the same coefficients, 22-bit fixed-point accumulation and 8-bit rounding
    /// between the horizontal and the vertical pass.
    ///
    /// Channels are filtered independently; Pillow premultiplies RGBA by alpha first, so 4-channel
    /// results differ from Pillow's where alpha is below 255.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter = .nearest) -> Bitmap {
        precondition(newWidth > 0 && newHeight > 0, "cannot resize to \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        switch filter {
        case .nearest:
            return nearestResized(width: newWidth, height: newHeight)
        case .bilinear, .bicubic:
            return convolutionResized(width: newWidth, height: newHeight, filter: filter)
        }
    }

    /// Pillow's `ImagingScaleAffine`: source coordinates accumulate in doubles from the first
    /// output pixel's centre; a coordinate that lands outside the source leaves a zero pixel.
    private func nearestResized(width newWidth: Int, height newHeight: Int) -> Bitmap {
        // Pillow's resize box is float; sizes below 2^24 convert exactly.
        let stepX = Double(Float(width)) / Double(newWidth)
        let stepY = Double(Float(height)) / Double(newHeight)
        var sourceOffsets = [Int](repeating: -1, count: newWidth)
        var sourceX = stepX * 0.5
        for x in 0..<newWidth {
            let column = Self.pillowCoordinate(sourceX)
            if column >= 0 && column < width { sourceOffsets[x] = column * channels }
            sourceX += stepX
        }
        var output = Bitmap(width: newWidth, height: newHeight, channels: channels)
        let rowLength = width * channels
        let newRowLength = newWidth * channels
        pixels.withUnsafeBufferPointer { input in
            output.pixels.withUnsafeMutableBufferPointer { outputBuffer in
                sourceOffsets.withUnsafeBufferPointer { offsets in
                    var sourceY = stepY * 0.5
                    var previousRow = -1
                    for y in 0..<newHeight {
                        defer { sourceY += stepY }
                        let row = Self.pillowCoordinate(sourceY)
                        guard row >= 0 && row < height else { continue }
                        let target = outputBuffer.baseAddress! + y * newRowLength
                        if row == previousRow { // upscaling repeats rows: copy the one just built
                            target.update(from: target - newRowLength, count: newRowLength)
                            continue
                        }
                        previousRow = row
                        let source = input.baseAddress! + row * rowLength
                        switch channels {
                        case 1: Self.gather(1, source, offsets, target)
                        case 3: Self.gather(3, source, offsets, target)
                        default: Self.gather(4, source, offsets, target)
                        }
                    }
                }
            }
        }
        return output
    }

    @inline(__always)
    private static func gather(
        _ channels: Int, _ source: UnsafePointer<UInt8>, _ offsets: UnsafeBufferPointer<Int>,
        _ target: UnsafeMutablePointer<UInt8>
    ) {
        for (x, offset) in offsets.enumerated() where offset >= 0 {
            for channel in 0..<channels { target[x * channels + channel] = source[offset + channel] }
        }
    }

    /// Pillow's `COORD`: negative coordinates are out of range, others truncate.
    private static func pillowCoordinate(_ value: Double) -> Int {
        value < 0 ? -1 : Int(value)
    }

    /// Pillow's `ImagingResampleInner`: a horizontal pass over the rows the vertical pass will
    /// read, rounded to 8 bits, then a vertical pass. An axis whose size does not change is
    /// skipped, as in Pillow.
    private func convolutionResized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter) -> Bitmap {
        var vertical = ResampleKernel(inputSize: height, outputSize: newHeight, filter: filter)
        var source = self
        if newWidth != width {
            let firstRow = vertical.spans[0].start
            let lastRow = vertical.spans[newHeight - 1].start + vertical.spans[newHeight - 1].count
            vertical.shiftSpans(by: -firstRow)
            let horizontal = ResampleKernel(inputSize: width, outputSize: newWidth, filter: filter)
            source = horizontallyResampled(rows: firstRow..<lastRow, kernel: horizontal)
        }
        guard newHeight != height else { return source }
        return source.verticallyResampled(kernel: vertical)
    }

    private func horizontallyResampled(rows: Range<Int>, kernel: ResampleKernel) -> Bitmap {
        var output = Bitmap(width: kernel.outputSize, height: rows.count, channels: channels)
        pixels.withUnsafeBufferPointer { input in
            output.pixels.withUnsafeMutableBufferPointer { outputBuffer in
                // Constant channel counts let the compiler unroll the per-pixel work.
                switch channels {
                case 1: Self.resampleRows(1, input, width, rows, kernel, outputBuffer)
                case 3: Self.resampleRows(3, input, width, rows, kernel, outputBuffer)
                default: Self.resampleRows(4, input, width, rows, kernel, outputBuffer)
                }
            }
        }
        return output
    }

    /// Horizontal convolution of `rows`, the channels of a pixel accumulated side by side so the
    /// source is read once, in order.
    @inline(__always)
    private static func resampleRows(
        _ channels: Int, _ input: UnsafeBufferPointer<UInt8>, _ width: Int,
        _ rows: Range<Int>, _ kernel: ResampleKernel,
        _ output: UnsafeMutableBufferPointer<UInt8>
    ) {
        let newWidth = kernel.outputSize
        let taps = kernel.taps
        kernel.weights.withUnsafeBufferPointer { weights in
            kernel.spans.withUnsafeBufferPointer { spans in
                for (outputRow, row) in rows.enumerated() {
                    let source = input.baseAddress! + row * width * channels
                    var target = output.baseAddress! + outputRow * newWidth * channels
                    for x in 0..<newWidth {
                        let span = spans[x]
                        let weight = weights.baseAddress! + x * taps
                        var pixel = source + span.start * channels
                        var (sum0, sum1, sum2, sum3) = (
                            ResampleKernel.rounding, ResampleKernel.rounding,
                            ResampleKernel.rounding, ResampleKernel.rounding
                        )
                        for tap in 0..<span.count {
                            let factor = weight[tap]
                            sum0 &+= Int32(pixel[0]) &* factor
                            if channels > 1 {
                                sum1 &+= Int32(pixel[1]) &* factor
                                sum2 &+= Int32(pixel[2]) &* factor
                            }
                            if channels > 3 { sum3 &+= Int32(pixel[3]) &* factor }
                            pixel += channels
                        }
                        target[0] = ResampleKernel.clip8(sum0)
                        if channels > 1 {
                            target[1] = ResampleKernel.clip8(sum1)
                            target[2] = ResampleKernel.clip8(sum2)
                        }
                        if channels > 3 { target[3] = ResampleKernel.clip8(sum3) }
                        target += channels
                    }
                }
            }
        }
    }

    private func verticallyResampled(kernel: ResampleKernel) -> Bitmap {
        let newHeight = kernel.outputSize
        let rowLength = width * channels
        var output = Bitmap(width: width, height: newHeight, channels: channels)
        var sums = [Int32](repeating: 0, count: rowLength)
        let taps = kernel.taps
        pixels.withUnsafeBufferPointer { input in
            output.pixels.withUnsafeMutableBufferPointer { outputBuffer in
                sums.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<newHeight {
                        let span = kernel.spans[y]
                        sums.update(repeating: ResampleKernel.rounding)
                        for tap in 0..<span.count {
                            let weight = kernel.weights[y * taps + tap]
                            let source = input.baseAddress! + (span.start + tap) * rowLength
                            for index in 0..<rowLength {
                                sums[index] &+= Int32(source[index]) &* weight
                            }
                        }
                        let target = outputBuffer.baseAddress! + y * rowLength
                        for index in 0..<rowLength {
                            target[index] = ResampleKernel.clip8(sums[index])
                        }
                    }
                }
            }
        }
        return output
    }
}
