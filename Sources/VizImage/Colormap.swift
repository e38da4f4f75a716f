import VizCore

/// A 256-entry lookup table from 8-bit levels to RGB colours.
///
/// The tables are exact copies of matplotlib's listed colormaps (viridis, magma, inferno, plasma,
/// cividis) and gray, rounded to 8 bits, and of OpenCV's COLORMAP_JET as `cv2.applyColorMap`
/// draws it; see Scripts/make_colormaps.py.
public struct Colormap: Sendable, Equatable {
    public let name: String
    /// 256 colours, red green blue interleaved (768 bytes).
    public let table: [UInt8]

    /// The colormap called `name`, or nil for an unknown name.
    public static func named(_ name: String) -> Colormap? {
        decodedTables[name].map { Colormap(name: name, table: $0) }
    }

    public static var allNames: [String] { generatedNames }

    /// The colormap a config names, or an error listing them with the closest as a suggestion.
    public static func read(_ node: ConfigNode) throws -> Colormap {
        named(try node.choice(among: allNames, what: "colormap"))!
    }

    private static let decodedTables: [String: [UInt8]] = hexTables.mapValues(decodeHex)

    private static func decodeHex(_ text: String) -> [UInt8] {
        let digits = text.utf8.compactMap { character -> UInt8? in
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        precondition(digits.count == 256 * 3 * 2, "a generated colormap table is not 256 RGB colours")
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Colours `values` (row-major, `width` × `height` levels) into an RGB bitmap.
    public func apply(to values: [UInt8], width: Int, height: Int) -> Bitmap {
        precondition(values.count == width * height, "\(values.count) levels for a \(width)x\(height) image")
        let pixels = [UInt8](unsafeUninitializedCapacity: values.count * 3) { output, initialized in
            table.withUnsafeBufferPointer { table in
                for (index, level) in values.enumerated() {
                    let color = Int(level) * 3
                    output[index * 3] = table[color]
                    output[index * 3 + 1] = table[color + 1]
                    output[index * 3 + 2] = table[color + 2]
                }
            }
            initialized = values.count * 3
        }
        return Bitmap(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Colours a one-channel bitmap.
    public func apply(to gray: Bitmap) -> Bitmap {
        precondition(gray.channels == 1, "a colormap colours one-channel images, got \(gray.channels) channels")
        return apply(to: gray.pixels, width: gray.width, height: gray.height)
    }

    /// Colours an (H, W) map of values in [0, 1] the way Grad-CAM code does,
    /// `np.uint8(255 * heatmap)`: scaled in float32 and truncated. Values outside [0, 1] are
    /// clamped first and NaN counts as 0.
    public func apply(toUnitMap map: Tensor) -> Bitmap {
        precondition(map.rank == 2, "apply(toUnitMap:) takes an (H, W) map, got \(map.shape)")
        let levels = map.scalars.map { value -> UInt8 in
            value.isNaN ? 0 : UInt8(255 * min(max(value, 0), 1))
        }
        return apply(to: levels, width: map.shape[1], height: map.shape[0])
    }
}
