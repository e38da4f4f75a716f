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
        layers = mapping.value("layers", default: model.computedLayers.filter { model.outputShape(of: $0).count == 4 }) { node in
            try node.list().map { item in
                do { return try model.requireLayer(try item.string()) } catch let error as VizError {
                    throw item.error(error.message)
                }
            }
        }
        chart = mapping.value("chart", default: chart) { try $0.choice(among: ChannelStatistics.columns) }
        barWidth = mapping.int("bar_width", default: barWidth, atLeast: 1)
        chartHeight = mapping.int("chart_height", default: chartHeight, atLeast: 8)
        try mapping.finish()
    }
}
