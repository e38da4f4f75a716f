// swift-tools-version:6.0
import PackageDescription

// Two vizrun plugins, each a shared library built against vizrun's VizCore: a visualizer
// (ChannelStats) and a custom Keras layer (ChannelSwish).
let package = Package(
    name: "ChannelStats",
    platforms: [.macOS(.v13)],
    products: [
        // Dynamic: these are the libraries that `plugins:` in a config, or `--plugin`, loads.
        .library(name: "ChannelStats", type: .dynamic, targets: ["ChannelStats"]),
        .library(name: "ChannelSwish", type: .dynamic, targets: ["ChannelSwishPlugin"]),
    ],
    dependencies: [
        // The vizrun checkout this example lives in; elsewhere, `.package(url: …, from: "0.1.0")`.
        .package(name: "vizrun", path: "../../..")
    ],
    targets: [
        .target(
            name: "ChannelStats",
            dependencies: [
                .product(name: "VizCore", package: "vizrun"), .product(name: "VizImage", package: "vizrun"),
            ]),
        // The layer and its op, which the tests link; the plugin's entry points on top of them.
        .target(name: "ChannelSwish", dependencies: [.product(name: "VizCore", package: "vizrun")]),
        .target(name: "ChannelSwishPlugin", dependencies: ["ChannelSwish"]),
        .testTarget(
            name: "ChannelStatsTests",
            dependencies: [
                "ChannelStats", .product(name: "VizTesting", package: "vizrun"),
            ]),
        .testTarget(
            name: "ChannelSwishTests",
            dependencies: [
                "ChannelSwish", .product(name: "VizTesting", package: "vizrun"),
            ]),
    ],
    swiftLanguageModes: [.v5]
)
