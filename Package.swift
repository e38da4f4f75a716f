// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "vizrun",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vizrun", targets: ["vizrun"]),
        .library(name: "VizCore", type: .dynamic, targets: ["VizCore"]),
        .library(name: "VizImage", type: .dynamic, targets: ["VizImage"]),
        .library(name: "VizTesting", targets: ["VizTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        // `vizrun serve` (Docs/serve.md): the router and the server; without the
        // swift-configuration trait, which vizrun does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        // Already built for Hummingbird; named because VizServe uses their types directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: - C libraries from Debian
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Debian's oneDNN has no .pc file; its header is in the default include path.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),

        // MARK: - Engine and images
        .target(name: "VizCore", dependencies: ["CDNNL", .product(name: "Yams", package: "Yams")]),
        .target(name: "VizImage", dependencies: ["VizCore", "CJPEG", "CPNG"]),

        // MARK: - File formats: what a loader reads, never a visualizer
        .target(name: "HDF5", dependencies: ["VizCore", "CHDF5"]),
        .target(name: "KerasGraph", dependencies: ["VizCore"]),
        // onnx-subset.proto is the source of the committed onnx-subset.pb.swift (`make proto`).
        .target(
            name: "ONNX", dependencies: ["VizCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/onnx-subset.proto"]),

        // MARK: - Built-in plugins: loaders (a format plus the Keras graph), visualizers (the plugin kit plus drawing)
        .target(name: "HDF5Loader", dependencies: ["VizCore", "HDF5", "KerasGraph"], path: "Plugins/HDF5Loader"),
        .target(
            name: "KerasLoader",
            dependencies: [
                "VizCore", "HDF5", "KerasGraph", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], path: "Plugins/KerasLoader"),
        .target(
            name: "RawLoader",
            dependencies: [
                "VizCore", "KerasGraph", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], path: "Plugins/RawLoader"),
        .target(name: "ONNXLoader", dependencies: ["VizCore", "ONNX"], path: "Plugins/ONNXLoader"),
        .target(name: "Activations", dependencies: ["VizCore", "VizImage"], path: "Plugins/Activations"),
        .target(name: "Filters", dependencies: ["VizCore", "VizImage"], path: "Plugins/Filters"),
        .target(name: "GradCAM", dependencies: ["VizCore", "VizImage"], path: "Plugins/GradCAM"),

        // MARK: - Running a config, and the command
        .target(
            name: "VizRunner",
            dependencies: [
                "VizCore", "VizImage", "KerasGraph", "HDF5Loader", "KerasLoader", "RawLoader", "Activations", "Filters",
                "GradCAM",
                "ONNXLoader",
            ]),
        // `vizrun serve`: the model explored in the browser, on the runner's loaders and visualizers.
        .target(
            name: "VizServe",
            dependencies: [
                "VizRunner", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
        // SwiftPM links VizCore into the command statically, and a plugin links libVizCore.so.
        // Exporting the command's symbols makes the plugin's references to VizCore bind to the
        // command's copy (the executable comes first in symbol lookup), so both share one set of
        // types: a plugin's `VizError` is the command's, and so are `Registry` and `Tensor`.
        .executableTarget(
            name: "vizrun",
            dependencies: [
                "VizRunner", "VizServe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"])]),

        // MARK: - Tests
        .target(name: "VizTesting", dependencies: ["VizCore"]),
        .testTarget(name: "VizCoreTests", dependencies: ["VizCore", "VizTesting"]),
        .testTarget(name: "VizImageTests", dependencies: ["VizImage", "VizTesting"]),
        .target(
            name: "KerasTestSupport", dependencies: ["CHDF5", "HDF5", "VizCore", "VizTesting"],
            path: "Tests/KerasTestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "KerasTestSupport"]),
        .testTarget(
            name: "KerasGraphTests",
            dependencies: [
                "KerasGraph", "HDF5Loader", "KerasLoader", "KerasTestSupport", "VizTesting",
            ]),
        .testTarget(name: "HDF5LoaderTests", dependencies: ["HDF5", "HDF5Loader", "KerasTestSupport", "VizTesting"]),
        .testTarget(
            name: "KerasLoaderTests",
            dependencies: [
                "HDF5Loader", "KerasLoader", "RawLoader", "KerasTestSupport", "VizTesting",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .testTarget(name: "RawLoaderTests", dependencies: ["RawLoader", "HDF5Loader", "GradCAM", "VizTesting"]),
        .testTarget(name: "ActivationsTests", dependencies: ["Activations", "VizTesting"]),
        .testTarget(name: "FiltersTests", dependencies: ["Filters", "HDF5Loader", "VizRunner", "VizTesting"]),
        .testTarget(name: "GradCAMTests", dependencies: ["GradCAM", "HDF5Loader", "ONNXLoader", "VizTesting"]),
        .testTarget(name: "VizRunnerTests", dependencies: ["VizRunner", "VizTesting"]),
        .testTarget(
            name: "VizServeTests",
            dependencies: [
                "VizServe", "VizRunner", "VizTesting", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "ONNXLoader", "VizTesting"]),
        // Runs the built command, like GradCAMTests' end-to-end tests.
        .testTarget(name: "ONNXLoaderTests", dependencies: ["ONNXLoader", "VizImage", "VizTesting"]),
        // The readers the fuzz targets drive (below), and the replay of the inputs they found.
        .target(
            name: "FuzzReaders",
            dependencies: ["VizCore", "VizImage", "HDF5Loader", "KerasLoader", "RawLoader", "ONNXLoader", "VizRunner"],
            path: "Tests/Fuzz/Readers", exclude: ["journal-run.yaml"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzReaders", "VizCore", "VizTesting"]),
    ],
    swiftLanguageModes: [.v5]
)

// MARK: - Fuzz targets (Tests/Fuzz, Docs/fuzzing.md)
// Declared only when VIZRUN_FUZZ is set, as `make fuzz` does, so a normal build neither sees nor
// builds them. Each is a libFuzzer executable (built with -sanitize=fuzzer,address) whose @main
// hands its `FuzzReader` to LLVMFuzzerRunDriver; lld links them (gold fails on the sanitizer
// runtime's symbols).
if Context.environment["VIZRUN_FUZZ"] != nil {
    package.targets.append(contentsOf: [
        .systemLibrary(name: "CLibFuzzer", path: "Tests/Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", "FuzzReaders", "VizCore"], path: "Tests/Fuzz/FuzzSupport"),
    ])
    for reader in ["HDF5Model", "KerasArchive", "RawArchitecture", "RawWeights", "Image", "RunConfig", "Journal", "ONNXModel"] {
        package.targets.append(
            .executableTarget(
                name: "Fuzz" + reader, dependencies: ["FuzzSupport", "FuzzReaders"], path: "Tests/Fuzz/" + reader,
                exclude: [reader + ".dict"], linkerSettings: [.unsafeFlags(["-use-ld=lld"])]))
        package.products.append(.executable(name: "Fuzz" + reader, targets: ["Fuzz" + reader]))
    }
}
