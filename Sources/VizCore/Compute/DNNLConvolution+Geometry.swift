internal import CDNNL

extension DNNLConvolution {
    /// Sizes in vizrun's terms: Keras dilation (1 = none) and TensorFlow-style padding.
    struct Geometry: Hashable {
        var batch, inChannels, height, width: Int
        var filters, outHeight, outWidth: Int
        var kernelHeight, kernelWidth: Int
        var strideHeight, strideWidth: Int
        var dilationHeight, dilationWidth: Int
        var padTop, padLeft, padBottom, padRight: Int
        var hasBias: Bool
        /// Input and output channels split into this many independent groups (`inChannels` for a
        /// depthwise convolution); 1 for a full convolution.
        var groups = 1

        var inputShape: [Int] { [batch, height, width, inChannels] }
        /// oneDNN's logical weight dimensions: (O, I, kh, kw), or (G, O/G, I/G, kh, kw) when grouped.
        var weightDimensions: [Int] {
            groups == 1
                ? [filters, inChannels, kernelHeight, kernelWidth]
                : [groups, filters / groups, inChannels / groups, kernelHeight, kernelWidth]
        }
        var outputShape: [Int] { [batch, outHeight, outWidth, filters] }

        func with(batch images: Int) -> Geometry {
            var geometry = self
            geometry.batch = images
            return geometry
        }
    }
}

// MARK: - oneDNN descriptors

extension DNNLConvolution.Geometry {
    /// The layouts of a pass's source (or its gradient) and destination (or its gradient).
    typealias ActivationLayouts = (source: dnnl_memory_desc_t, destination: dnnl_memory_desc_t)

    /// The kernel as vizrun holds it: HWIO, or Keras's depthwise kernel (kh, kw, in, multiplier),
    /// which is oneDNN's hwigo with one input per group.
    var weightsDescriptor: dnnl_memory_desc_t {
        DNNL.descriptor(weightDimensions, groups == 1 ? dnnl_hwio : dnnl_hwigo)
    }

    var biasDescriptor: dnnl_memory_desc_t { DNNL.descriptor([filters], dnnl_a) }

    /// Whether oneDNN's output-size rule, `(n − ke + pl + pr) / s + 1`, gives the expected output.
    var isConsistent: Bool {
        func axis(_ n: Int, _ k: Int, _ s: Int, _ d: Int, _ pl: Int, _ pr: Int, _ out: Int) -> Bool {
            let effective = (k - 1) * d + 1
            return pl >= 0 && pr >= 0 && n - effective + pl + pr >= 0 && (n - effective + pl + pr) / s + 1 == out
        }
        return axis(height, kernelHeight, strideHeight, dilationHeight, padTop, padBottom, outHeight)
            && axis(width, kernelWidth, strideWidth, dilationWidth, padLeft, padRight, outWidth)
    }

    /// The algorithms to try, in order. Winograd first for undilated stride-1 3×3 full convolutions
    /// with output planes of at least 56×56: it needs about half the multiplications, and with
    /// oneDNN's AVX-512 kernels ran 1.5–2× faster than direct on such planes (64 channels at 56×56
    /// and 248×248, 128 at 124×124, forward and backward data), but up to 2.4× slower on small ones
    /// (512 channels at 14×14 or 7×7), so the rest stay direct. Its error measured as small as the
    /// direct algorithm's (about 1e-6 of the output's range in float). Direct where oneDNN has no
    /// Winograd kernel (AVX2, 3 input channels).
    var algorithms: [dnnl_alg_kind_t] {
        let winograd =
            (kernelHeight, kernelWidth, strideHeight, strideWidth) == (3, 3, 1, 1)
            && (dilationHeight, dilationWidth, groups) == (1, 1, 1) && outHeight * outWidth >= 56 * 56
        return winograd ? [dnnl_convolution_winograd, dnnl_convolution_direct] : [dnnl_convolution_direct]
    }

    /// The activations in `layouts` (any batch's), or left to oneDNN with the weights; nil when
    /// this batch has no descriptor in those layouts.
    private func activationLayouts(_ layouts: ActivationLayouts?)
        -> (source: dnnl_memory_desc_t, destination: dnnl_memory_desc_t, weights: dnnl_memory_desc_t)?
    {
        let weights = DNNL.descriptor(weightDimensions, dnnl_format_tag_any)
        guard let layouts else {
            return (
                DNNL.descriptor([batch, inChannels, height, width], dnnl_format_tag_any),
                DNNL.descriptor([batch, filters, outHeight, outWidth], dnnl_format_tag_any), weights
            )
        }
        guard let source = DNNL.batched(layouts.source, batch),
            let destination = DNNL.batched(layouts.destination, batch)
        else { return nil }
        return (source, destination, weights)
    }

    private var spatial: (strides: [dnnl_dim_t], dilates: [dnnl_dim_t], left: [dnnl_dim_t], right: [dnnl_dim_t]) {
        // oneDNN counts dilation from 0 (no gaps); Keras from 1.
        return (
            [strideHeight, strideWidth].map { dnnl_dim_t($0) },
            [dilationHeight - 1, dilationWidth - 1].map { dnnl_dim_t($0) },
            [padTop, padLeft].map { dnnl_dim_t($0) },
            [padBottom, padRight].map { dnnl_dim_t($0) }
        )
    }

    /// A forward convolution over this batch, with its activations in `layouts` or oneDNN's choice.
    func convolutionDescriptor(
        kind: dnnl_prop_kind_t, bias: Bool, layouts: ActivationLayouts? = nil, algorithm: dnnl_alg_kind_t
    ) -> dnnl_convolution_desc_t? {
        var operation = dnnl_convolution_desc_t()
        guard let descriptors = activationLayouts(layouts) else { return nil }
        var (source, destination, weights) = descriptors
        var biasDescriptor = self.biasDescriptor
        let s = spatial
        let status = withUnsafePointer(to: &biasDescriptor) { biasPointer in
            dnnl_dilated_convolution_forward_desc_init(
                &operation, kind, algorithm, &source, &weights,
                bias ? biasPointer : nil, &destination,
                s.strides, s.dilates, s.left, s.right)
        }
        return status == dnnl_success ? operation : nil
    }

    /// Backward data over this batch, with its gradients in `layouts` or oneDNN's choice.
    func backwardDataDescriptor(layouts: ActivationLayouts?, algorithm: dnnl_alg_kind_t) -> dnnl_convolution_desc_t? {
        var operation = dnnl_convolution_desc_t()
        guard let descriptors = activationLayouts(layouts) else { return nil }
        var (source, destination, weights) = descriptors
        let s = spatial
        let status = dnnl_dilated_convolution_backward_data_desc_init(
            &operation, algorithm, &source,
            &weights, &destination, s.strides, s.dilates,
            s.left, s.right)
        return status == dnnl_success ? operation : nil
    }
}
