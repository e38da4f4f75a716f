/// How a sliding window meets the edges of its input: Keras/TensorFlow's named modes, or counts of
/// rows and columns given outright, as ONNX and PyTorch give them.
public enum Padding: Equatable, Sendable {
    case valid, same
    case explicit(ExplicitPadding)

    /// Keras's names, `valid` and `same`.
    public init?(rawValue: String) {
        switch rawValue {
        case "valid": self = .valid
        case "same": self = .same
        default: return nil
        }
    }

    /// The Keras name, or the counts as ONNX lists them (all begins, then all ends).
    public var rawValue: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case .explicit(let pads):
            return "[\(pads.top), \(pads.left), \(pads.bottom), \(pads.right)]" + (pads.ceilMode ? " with ceil_mode" : "")
        }
    }

    /// Output length and padding before, for `axis` (0 rows, 1 columns) of `size` with kernel
    /// `kernel`, stride and dilation. SAME puts the odd padding element after (bottom/right), as
    /// TensorFlow does.
    func geometry(axis: Int, size: Int, kernel: Int, stride: Int, dilation: Int = 1) -> (output: Int, padBefore: Int) {
        let effective = (kernel - 1) * dilation + 1
        switch self {
        case .valid:
            return (size < effective ? 0 : (size - effective) / stride + 1, 0)
        case .same:
            let output = (size + stride - 1) / stride
            let total = max((output - 1) * stride + effective - size, 0)
            return (output, total / 2)
        case .explicit(let pads):
            let (before, after) = axis == 0 ? (pads.top, pads.bottom) : (pads.left, pads.right)
            let span = size + before + after - effective
            guard span >= 0 else { return (0, before) }
            var output = (pads.ceilMode ? (span + stride - 1) / stride : span / stride) + 1
            // PyTorch's rule, which ONNX adopted: a last window must start inside the input or its
            // leading padding, never in the trailing padding alone.
            if pads.ceilMode, (output - 1) * stride >= size + before { output -= 1 }
            return (output, before)
        }
    }
}

/// Rows added at the top and bottom and columns at the left and right of the input; with
/// `ceilMode` (pooling), a last window may also start inside the input and run past its padding.
public struct ExplicitPadding: Equatable, Sendable {
    public var top, left, bottom, right: Int
    public var ceilMode: Bool

    public init(top: Int, left: Int, bottom: Int, right: Int, ceilMode: Bool = false) {
        (self.top, self.left, self.bottom, self.right, self.ceilMode) = (top, left, bottom, right, ceilMode)
    }
}

/// A 2-D window sliding over NHWC tensors: shared by convolution and pooling.
struct Window2D {
    var kernel: (h: Int, w: Int)
    var strides: (h: Int, w: Int)
    var dilation: (h: Int, w: Int) = (1, 1)
    var padding: Padding

    /// The NHWC output shape's spatial part, `-1` staying unknown.
    func outputSize(height: Int, width: Int, kind: String) throws -> (h: Int, w: Int) {
        func axis(_ index: Int, _ size: Int, _ k: Int, _ s: Int, _ d: Int, _ name: String) throws -> Int {
            if size < 0 { return -1 }
            let out = padding.geometry(axis: index, size: size, kernel: k, stride: s, dilation: d).output
            guard out > 0 else {
                throw VizError(
                    "\(kind) window of \(name) \((k - 1) * d + 1) does not fit an input \(name) of \(size) with padding '\(padding.rawValue)'"
                )
            }
            return out
        }
        return (
            try axis(0, height, kernel.h, strides.h, dilation.h, "height"),
            try axis(1, width, kernel.w, strides.w, dilation.w, "width")
        )
    }

    /// Geometry for a concrete input.
    func plan(height: Int, width: Int) -> Plan {
        let rows = padding.geometry(axis: 0, size: height, kernel: kernel.h, stride: strides.h, dilation: dilation.h)
        let cols = padding.geometry(axis: 1, size: width, kernel: kernel.w, stride: strides.w, dilation: dilation.w)
        return Plan(
            inHeight: height, inWidth: width, outHeight: rows.output, outWidth: cols.output,
            padTop: rows.padBefore, padLeft: cols.padBefore, window: self)
    }

    struct Plan {
        var inHeight, inWidth, outHeight, outWidth, padTop, padLeft: Int
        var window: Window2D

        /// Input row of kernel row `ky` for output row `oy` (may be outside the image).
        @inline(__always) func inputRow(_ oy: Int, _ ky: Int) -> Int {
            oy * window.strides.h - padTop + ky * window.dilation.h
        }

        @inline(__always) func inputColumn(_ ox: Int, _ kx: Int) -> Int {
            ox * window.strides.w - padLeft + kx * window.dilation.w
        }

        /// Rows of padding the last window reaches below the input (SAME's odd element), as oneDNN counts it.
        var padBottom: Int { Self.padAfter(inHeight, outHeight, window.kernel.h, window.strides.h, window.dilation.h, padTop) }
        var padRight: Int { Self.padAfter(inWidth, outWidth, window.kernel.w, window.strides.w, window.dilation.w, padLeft) }

        private static func padAfter(_ size: Int, _ out: Int, _ k: Int, _ s: Int, _ d: Int, _ before: Int) -> Int {
            max(0, (out - 1) * s + (k - 1) * d + 1 - size - before)
        }
    }
}
