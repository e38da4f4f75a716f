/// A primitive of the engine: its forward pass and its vector-Jacobian product, side by side.
///
/// Shapes include the batch axis. In static shape inference an unknown dimension is `-1`.
/// Ops never need weight gradients: visualisation only differentiates with respect to inputs
/// and intermediate outputs.
public protocol Op: AnyObject {
    /// The Keras-style name of the operation, for messages ("Conv2D", "relu", …).
    var kind: String { get }

    /// The output shape for these input shapes, or a `VizError` that says why they do not fit.
    func outputShape(for inputShapes: [[Int]]) throws -> [Int]

    func forward(_ inputs: [Tensor]) -> Tensor

    /// d(loss)/d(each input), given the forward's inputs, its output and d(loss)/d(output).
    func inputGradients(_ inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor]

    /// The values `inputGradients` reads besides the output gradient: a trace keeps only these for
    /// the backward pass and hands the op the others without their scalars (shape and layout only).
    var gradientReads: GradientReads { get }

    /// How many weights the op holds (for the model summary).
    var parameterCount: Int { get }

    /// Whether a gradient passes through the op: false for an index (ArgMax), whose input
    /// gradient is zero wherever it is defined.
    var hasGradient: Bool { get }
}

/// An op that gates its input by sign (ReLU and its capped, leaky and thresholded forms): what
/// guided backpropagation rectifies the gradient of (`Trace.BackwardRule.guided`).
public protocol RectifierOp: Op {
    /// Whether this op is a rectifier (an activation op holds any of many functions).
    var rectifies: Bool { get }
}

extension Tensor {
    /// `max(x, 0)` elementwise, in the same layout.
    var positivePart: Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { x in
            Elementwise.forEachChunk(x.count) { range in for i in range where !(x[i] > 0) { x[i] = 0 } }
        }
        return result
    }
}

/// Which forward values an op's input gradient reads. Gradients with respect to inputs need far
/// fewer than weight gradients would: a convolution's reads its weights only, ReLU's its output.
public struct GradientReads: Equatable, Sendable {
    /// The indices of the inputs read, or nil for every input.
    let inputIndices: Set<Int>?
    public let readsOutput: Bool

    public static let everything = GradientReads(inputIndices: nil, readsOutput: true)
    public static let nothing = GradientReads(inputIndices: [], readsOutput: false)
    public static let output = GradientReads(inputIndices: [], readsOutput: true)
    public static let allInputs = GradientReads(inputIndices: nil, readsOutput: false)
    public static func inputs(_ indices: Int...) -> GradientReads {
        GradientReads(inputIndices: Set(indices), readsOutput: false)
    }

    public func readsInput(_ index: Int) -> Bool { inputIndices?.contains(index) ?? true }
}

// MARK: - Default implementations

extension Op {
    public var parameterCount: Int { 0 }

    /// An op that does not say reads everything.
    public var gradientReads: GradientReads { .everything }

    public var hasGradient: Bool { true }
}

/// Checks shared by ops (arity and rank of the inputs), and shapes written for messages.
public enum ShapeCheck {
    static func single(_ shapes: [[Int]], _ kind: String, rank: Int? = nil) throws -> [Int] {
        guard shapes.count == 1 else { throw VizError("\(kind) takes one input, got \(shapes.count)") }
        if let rank, shapes[0].count != rank {
            throw VizError("\(kind) needs a rank-\(rank) input (batch included), got shape \(describe(shapes[0]))")
        }
        return shapes[0]
    }

    /// A shape as Keras prints it: `(None, 148, 148, 32)`.
    public static func describe(_ shape: [Int]) -> String {
        "(" + shape.map { $0 < 0 ? "None" : String($0) }.joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }
}
