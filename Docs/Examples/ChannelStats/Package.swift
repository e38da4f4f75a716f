// swift-tools-version:6.0
import PackageDescription

// A vizrun plugin: a shared library holding one visualizer, built against vizrun's VizCore.
let package = Package(
    name: "ChannelStats",
    platforms: [.macOS(.v13)],
    products: [
        // Dynamic: this is the library that `plugins:` in a config, or `--plugin`, loads.
        .library(name: "ChannelStats", type: .dynamic, targets: ["ChannelStats"]),
    ],
    dependencies: [
        // The vizrun checkout this example lives in; elsewhere, `.package(url: …, from: "0.1.0")`.
        .package(name: "vizrun", path: "../../.."),
    ],
    targets: [
        .target(name: "ChannelStats", dependencies: [.product(name: "VizCore", package: "vizrun")]),
        .testTarget(name: "ChannelStatsTests", dependencies: [
            "ChannelStats", .product(name: "VizTesting", package: "vizrun"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
