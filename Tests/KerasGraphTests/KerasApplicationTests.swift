import HDF5Loader
import KerasLoader
import KerasTestSupport
import VizCore
import XCTest

/// Golden tests over Keras Applications (Scripts/make_application_fixtures.py): each architecture
/// with random weights and batch-norm statistics, as Keras 3 writes it (.h5 and .keras) and as
/// tf-keras writes it (.h5), loaded with the loader its extension selects. A sample of layers (first,
/// middle, last, every merge) and the input gradient match Keras's.
///
/// Models too large to commit are rebuilt on demand; their tests are skipped while the file is absent.
final class KerasApplicationTests: XCTestCase {
    // MARK: - Committed models

    func testMobileNetKeras3() throws { try checkApplication("mobilenet_k3") }
    func testMobileNetKerasArchive() throws { try checkApplication("mobilenet_k3_keras") }
    func testMobileNetTFKeras() throws { try checkApplication("mobilenet_k2") }
    func testMobileNetV3SmallKeras3() throws { try checkApplication("mobilenetv3small_k3") }
    func testMobileNetV3SmallKerasArchive() throws { try checkApplication("mobilenetv3small_k3_keras") }
    func testMobileNetV3SmallTFKeras() throws { try checkApplication("mobilenetv3small_k2") }
    // ConvNeXt's own code with one block per stage and 8–32 channels: grouped (depthwise) Conv2D,
    // LayerNormalization, Dense on 4-D tensors, LayerScale, residual adds as operations/TFOpLambda.
    func testConvNeXtMiniatureKeras3() throws { try checkApplication("convnextminiature_k3") }
    func testConvNeXtMiniatureKerasArchive() throws { try checkApplication("convnextminiature_k3_keras") }
    func testConvNeXtMiniatureTFKeras() throws { try checkApplication("convnextminiature_k2") }

    // MARK: - Models rebuilt on demand (--keep-large)

    func testMobileNetV2Keras3() throws { try checkApplication("mobilenetv2_k3") }
    func testMobileNetV2KerasArchive() throws { try checkApplication("mobilenetv2_k3_keras") }
    func testMobileNetV2TFKeras() throws { try checkApplication("mobilenetv2_k2") }
    func testVGG16Keras3() throws { try checkApplication("vgg16_k3") }
    func testVGG16KerasArchive() throws { try checkApplication("vgg16_k3_keras") }
    func testVGG16TFKeras() throws { try checkApplication("vgg16_k2") }
    func testResNet50Keras3() throws { try checkApplication("resnet50_k3") }
    func testResNet50KerasArchive() throws { try checkApplication("resnet50_k3_keras") }
    func testResNet50TFKeras() throws { try checkApplication("resnet50_k2") }
    func testResNet50V2Keras3() throws { try checkApplication("resnet50v2_k3") }
    func testResNet50V2KerasArchive() throws { try checkApplication("resnet50v2_k3_keras") }
    func testResNet50V2TFKeras() throws { try checkApplication("resnet50v2_k2") }
    func testXceptionKeras3() throws { try checkApplication("xception_k3") }
    func testXceptionKerasArchive() throws { try checkApplication("xception_k3_keras") }
    func testXceptionTFKeras() throws { try checkApplication("xception_k2") }
    func testInceptionV3Keras3() throws { try checkApplication("inceptionv3_k3") }
    func testInceptionV3KerasArchive() throws { try checkApplication("inceptionv3_k3_keras") }
    func testInceptionV3TFKeras() throws { try checkApplication("inceptionv3_k2") }
    func testDenseNet121Keras3() throws { try checkApplication("densenet121_k3") }
    func testDenseNet121KerasArchive() throws { try checkApplication("densenet121_k3_keras") }
    func testDenseNet121TFKeras() throws { try checkApplication("densenet121_k2") }
    func testEfficientNetB0Keras3() throws { try checkApplication("efficientnetb0_k3") }
    func testEfficientNetB0KerasArchive() throws { try checkApplication("efficientnetb0_k3_keras") }
    func testEfficientNetB0TFKeras() throws { try checkApplication("efficientnetb0_k2") }
    func testEfficientNetV2B0Keras3() throws { try checkApplication("efficientnetv2b0_k3") }
    func testEfficientNetV2B0KerasArchive() throws { try checkApplication("efficientnetv2b0_k3_keras") }
    func testEfficientNetV2B0TFKeras() throws { try checkApplication("efficientnetv2b0_k2") }
    func testConvNeXtTinyKeras3() throws { try checkApplication("convnexttiny_k3") }
    func testConvNeXtTinyKerasArchive() throws { try checkApplication("convnexttiny_k3_keras") }
    func testConvNeXtTinyTFKeras() throws { try checkApplication("convnexttiny_k2") }

    // MARK: - Helpers

    private func checkApplication(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try FixtureReference(fixture, in: "applications")
        guard FileManager.default.fileExists(atPath: reference.modelPath) else {
            let architecture = fixture.prefix { $0 != "_" }
            throw XCTSkip(
                "\(reference.modelPath) is too large to commit; "
                    + "python3 Scripts/make_application_fixtures.py --keep-large \(architecture) rebuilds it")
        }
        let model = try KerasFormatFixtureTests.load(reference)
        XCTAssertEqual(model.metadata["keras_version"], reference.keras_version, file: file, line: line)
        XCTAssertEqual(model.loaderName, reference.model.hasSuffix(".keras") ? "keras" : "hdf5", file: file, line: line)
        let outputs = try reference.assertOutputsMatch(model, file: file, line: line)
        let gradient = try reference.assertInputGradientMatches(model, file: file, line: line)
        // The measured agreement, for the record (Docs and the issue report quote it).
        print(
            "\(fixture): worst relative difference \(outputs) over \(reference.layers.count) layers, "
                + "\(gradient) for the input gradient")
    }
}
