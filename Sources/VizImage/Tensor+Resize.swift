import VizCore

extension Tensor {
    /// An (H, W) or (H, W, C) map resized to `height` × `width` as OpenCV's
    /// `cv2.resize(map, (width, height))` does by default (INTER_LINEAR) for float32: half-pixel
    /// centres, edge pixels repeated, float weights, a horizontal then a vertical blend. Grad-CAM
    /// heatmaps are upscaled this way before they are coloured.
    public func resizedBilinear(height newHeight: Int, width newWidth: Int) -> Tensor {
        precondition(rank == 2 || rank == 3, "resizedBilinear takes (H, W) or (H, W, C), got \(shape)")
        precondition(newHeight > 0 && newWidth > 0, "cannot resize to \(newHeight)x\(newWidth)")
        let (height, width) = (shape[0], shape[1])
        let channels = rank == 3 ? shape[2] : 1
        let newShape = rank == 3 ? [newHeight, newWidth, channels] : [newHeight, newWidth]
        if newHeight == height && newWidth == width { return self }

        let columns = LinearTaps(inputSize: width, outputSize: newWidth, clampsFraction: true)
        let rows = LinearTaps(inputSize: height, outputSize: newHeight, clampsFraction: false)
        let rowLength = width * channels
        let newRowLength = newWidth * channels

        // Each source row blended horizontally once, on first use.
        var blendedRows = [Float](repeating: 0, count: height * newRowLength)
        var isBlended = [Bool](repeating: false, count: height)
        var output = [Float](repeating: 0, count: newHeight * newRowLength)
        scalars.withUnsafeBufferPointer { input in
            blendedRows.withUnsafeMutableBufferPointer { blended in
                func blendRow(_ row: Int) {
                    guard !isBlended[row] else { return }
                    isBlended[row] = true
                    let source = input.baseAddress! + row * rowLength
                    let target = blended.baseAddress! + row * newRowLength
                    for x in 0..<newWidth {
                        let tap = columns.taps[x]
                        for channel in 0..<channels {
                            let left = source[tap.index * channels + channel]
                            target[x * channels + channel] =
                                tap.edge
                                ? left
                                : left * (1 - tap.fraction) + source[(tap.index + 1) * channels + channel] * tap.fraction
                        }
                    }
                }
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    for y in 0..<newHeight {
                        let tap = rows.taps[y]
                        let top = min(max(tap.index, 0), height - 1)
                        let bottom = min(max(tap.index + 1, 0), height - 1)
                        blendRow(top)
                        blendRow(bottom)
                        let upper = blended.baseAddress! + top * newRowLength
                        let lower = blended.baseAddress! + bottom * newRowLength
                        let target = outputBuffer.baseAddress! + y * newRowLength
                        let (upperWeight, lowerWeight) = (1 - tap.fraction, tap.fraction)
                        for index in 0..<newRowLength {
                            target[index] = upper[index] * upperWeight + lower[index] * lowerWeight
                        }
                    }
                }
            }
        }
        return Tensor(shape: newShape, scalars: output)
    }
}

/// OpenCV's per-axis source index and weight for INTER_LINEAR (modules/imgproc/src/resize.cpp,
/// `resizeGeneric`): `f = float((d + 0.5) · scale − 0.5)`, index `floor(f)`, weight `f − index`.
/// Horizontally an index before the first or at/after the last pixel snaps to that pixel with
/// weight 0; vertically OpenCV keeps the weight and clamps the two rows it reads instead.
private struct LinearTaps {
    struct Tap {
        var index: Int
        var fraction: Float
        /// At or past the last source pixel: the pixel itself, unblended.
        var edge: Bool
    }

    let taps: [Tap]

    init(inputSize: Int, outputSize: Int, clampsFraction: Bool) {
        let scale = 1.0 / (Double(outputSize) / Double(inputSize))
        taps = (0..<outputSize).map { position in
            let coordinate = Float((Double(position) + 0.5) * scale - 0.5)
            var index = Int(coordinate.rounded(.down))
            var fraction = coordinate - Float(index)
            guard clampsFraction else { return Tap(index: index, fraction: fraction, edge: false) }
            var edge = false
            if index < 0 { (index, fraction) = (0, 0) }
            if index >= inputSize - 1 { (index, fraction, edge) = (inputSize - 1, 0, true) }
            return Tap(index: index, fraction: fraction, edge: edge)
        }
    }
}
