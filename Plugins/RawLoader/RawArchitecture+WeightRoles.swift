import VizCore

/// What a weight is to the Keras layer mapping: its role there (`kernel`, `gamma`, …), and how its
/// axes are ordered in the file.
struct KerasRole {
    let role: String
    /// Axis `i` of the file's tensor is axis `axes[i]` of Keras's; nil when the orders agree.
    let axes: [Int]?
}

extension RawArchitecture.Layout {
    /// The role a stored weight called `<layer><separator><name>` plays for a layer of Keras class
    /// `type`, or nil for weights the layout knows carry nothing vizrun needs. In the Keras layout
    /// the name is the role; PyTorch's names and axis orders are translated.
    func kerasRole(ofStored name: String, layerType type: String) -> KerasRole? {
        guard self == .pytorch else { return KerasRole(role: name, axes: nil) }
        // BatchNorm counts its training steps; inference has no use for the count.
        if name == "num_batches_tracked" { return nil }
        return Self.pytorchRoles[type]?[name] ?? KerasRole(role: name, axes: nil)
    }

    /// PyTorch state_dict names by Keras class: `nn.Conv2d` weight (out, in, H, W) and
    /// `nn.ConvTranspose2d` weight (in, out, H, W) both become Keras's (H, W, ·, ·) with the same
    /// permutation; `nn.Linear` weight (out, in) becomes (in, out). A depthwise `nn.Conv2d`
    /// (`groups` = in channels) has weight (C·M, 1, H, W), which `RawWeights` first views as
    /// (C, M, H, W) to become Keras's (H, W, C, M).
    private static let pytorchRoles: [String: [String: KerasRole]] = [
        "Conv2D": ["weight": KerasRole(role: "kernel", axes: [3, 2, 0, 1]), "bias": KerasRole(role: "bias", axes: nil)],
        "Conv2DTranspose": [
            "weight": KerasRole(role: "kernel", axes: [3, 2, 0, 1]), "bias": KerasRole(role: "bias", axes: nil),
        ],
        "DepthwiseConv2D": [
            "weight": KerasRole(role: "depthwise_kernel", axes: [2, 3, 0, 1]), "bias": KerasRole(role: "bias", axes: nil),
        ],
        "Conv1D": ["weight": KerasRole(role: "kernel", axes: [2, 1, 0]), "bias": KerasRole(role: "bias", axes: nil)],
        "Dense": ["weight": KerasRole(role: "kernel", axes: [1, 0]), "bias": KerasRole(role: "bias", axes: nil)],
        "BatchNormalization": [
            "weight": KerasRole(role: "gamma", axes: nil), "bias": KerasRole(role: "beta", axes: nil),
            "running_mean": KerasRole(role: "moving_mean", axes: nil),
            "running_var": KerasRole(role: "moving_variance", axes: nil),
        ],
        "LayerNormalization": ["weight": KerasRole(role: "gamma", axes: nil), "bias": KerasRole(role: "beta", axes: nil)],
    ]
}
