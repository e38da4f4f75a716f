/// Keras 1 configs spell classes and options differently (`Convolution2D` with `nb_filter`,
/// `border_mode`, `subsample`, …). They are renamed to Keras 2 spelling as each layer is parsed,
/// so the layer mappings only ever see one vocabulary. The renames follow Keras 2.0's own
/// `legacy/interfaces.py` converters.
extension KerasModelConfig {
    /// The Keras 2 class and options for a Keras 1 layer entry.
    static func upgradedFromKeras1(className: String, options: [String: Any]) -> (String, [String: Any]) {
        var upgraded: [String: Any] = [:]
        for (key, value) in options {
            switch key {
            case "dim_ordering":
                // "default" meant the user's keras.json, which Keras 1 shipped as "tf".
                upgraded["data_format"] = (value as? String) == "th" ? "channels_first" : "channels_last"
            case "nb_row", "nb_col":
                upgraded["kernel_size"] = [options["nb_row"] ?? 1, options["nb_col"] ?? 1]
            case "p" where dropoutClasses.contains(className):
                upgraded["rate"] = value
            default:
                upgraded[keras1OptionNames[key] ?? key] = value
            }
        }
        switch className {
        case "Convolution2D", "AtrousConvolution2D":
            return ("Conv2D", upgraded)
        case "Merge":
            guard let mode = options["mode"] as? String, let merged = mergeClasses[mode] else { return (className, upgraded) }
            if mode == "concat" { upgraded["axis"] = options["concat_axis"] ?? -1 }
            return (merged, upgraded)
        default:
            return (className, upgraded)
        }
    }

    /// Options whose meaning stayed but whose name changed in Keras 2.
    private static let keras1OptionNames = [
        "nb_filter": "filters", "border_mode": "padding", "subsample": "strides", "atrous_rate": "dilation_rate",
        "output_dim": "units", "bias": "use_bias", "init": "kernel_initializer",
    ]

    private static let dropoutClasses: Set<String> = ["Dropout", "SpatialDropout2D", "GaussianDropout"]

    /// Keras 1's `Merge` layer (and `merge()` function) by `mode`; the Keras 2 layer of the same effect.
    private static let mergeClasses = [
        "sum": "Add", "concat": "Concatenate", "mul": "Multiply", "ave": "Average", "max": "Maximum",
    ]
}
