import VizCore

extension Bitmap {
    /// `heatmap · alpha + self`, rounded half to even and saturated to 0...255: the book's
    /// `superimposed_img = heatmap * 0.4 + img` (float64) as `cv2.imwrite` stores it. Both
    /// bitmaps must have the same size and channels.
    public func overlaid(with heatmap: Bitmap, alpha: Double = 0.4) -> Bitmap {
        precondition(
            heatmap.width == width && heatmap.height == height && heatmap.channels == channels,
            "overlay needs bitmaps of one size: \(heatmap.width)x\(heatmap.height)x\(heatmap.channels) "
                + "over \(width)x\(height)x\(channels)")
        let pixels = [UInt8](unsafeUninitializedCapacity: self.pixels.count) { output, initialized in
            self.pixels.withUnsafeBufferPointer { image in
                heatmap.pixels.withUnsafeBufferPointer { heat in
                    for index in 0..<image.count {
                        let blended = (Double(heat[index]) * alpha + Double(image[index])).rounded(.toNearestOrEven)
                        output[index] = UInt8(min(max(blended, 0), 255))
                    }
                }
            }
            initialized = self.pixels.count
        }
        return Bitmap(width: width, height: height, channels: channels, pixels: pixels)
    }
}
