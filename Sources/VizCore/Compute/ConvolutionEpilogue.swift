internal import CDNNL

/// What a convolution does to its result before writing it, as oneDNN post-ops: add the tensor
/// already in the destination (a residual connection's other branch), then rectify. Fusing these
/// saves the separate passes over memory an `Add` and a `Relu` node would make, and their buffers.
struct ConvolutionEpilogue: Hashable, Sendable {
    /// `dst ← conv(src) + dst`: the destination arrives holding the residual.
    var addsResidual: Bool
    /// `max(·, 0)` after the sum, if any.
    var rectifies: Bool

    static let none = ConvolutionEpilogue(addsResidual: false, rectifies: false)

    /// Runs `body` with the primitive attributes every primitive has (`DNNL.withAttributes`) and these post-ops.
    func withAttributes(_ body: (dnnl_primitive_attr_t?) -> dnnl_status_t) -> dnnl_status_t {
        DNNL.withAttributes { attributes in
            guard self != .none else { return body(attributes) }
            var postOps: dnnl_post_ops_t?
            DNNL.check(dnnl_post_ops_create(&postOps), "post-ops creation")
            defer { dnnl_post_ops_destroy(postOps) }
            if addsResidual { DNNL.check(dnnl_post_ops_append_sum(postOps, 1), "sum post-op") }
            if rectifies { DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "relu post-op") }
            DNNL.check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "post-ops attribute")
            return body(attributes)
        }
    }
}
