import VizCore

/// The `channel_stats` run's options, read from the run's block of the config.
struct ChannelStatsOptions {
    /// Which layers, in the order given; default: every layer whose output is a feature map.
    var layers: [Model.Layer] = []
    /// The statistic the chart draws.
    var chart = "mean"
    var barWidth = 4
    var chartHeight = 100

    init() {}

    init(_ mapping: ConfigMapping, model: Model) throws {
        if let node = mapping.optional("layers") {
            layers = try node.list().map { item in
                do { return try model.requireLayer(try item.string()) } catch let error as VizError {
                    throw item.error(error.message)
                }
            }
        } else {
            layers = model.computedLayers.filter { model.outputShape(of: $0).count == 4 }
        }
        if let node = mapping.optional("chart") {
            chart = try node.choice(among: ChannelStatistics.columns)
        }
        if let node = mapping.optional("bar_width") {
            barWidth = try node.int()
            guard barWidth > 0 else { throw node.error("bar_width must be at least 1") }
        }
        if let node = mapping.optional("chart_height") {
            chartHeight = try node.int()
            guard chartHeight >= 8 else { throw node.error("chart_height must be at least 8") }
        }
        try mapping.finish()
    }
}
