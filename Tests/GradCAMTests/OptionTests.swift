import HDF5Loader
import VizCore
import VizTesting
import XCTest

@testable import GradCAM

/// Option reading and the errors a user can cause: each is located and says what to do.
final class OptionTests: XCTestCase {
    func testDefaultsAreTheBooks() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let options = try GradCAMOptions(runOptions("{}"), model: model)
        XCTAssertEqual(options.layer.name, "max_pooling2d_1", "the last 4-D layer before the prediction")
        XCTAssertEqual(options.method, .gradcam)
        XCTAssertEqual(options.target.choices, [.top])
        XCTAssertEqual(options.target.score, .probability)
        XCTAssertEqual(options.target.scoreNode, model.predictionLayer!.outputNode)
        XCTAssertEqual(options.alpha, 0.4)
        XCTAssertEqual(options.colormap.name, "jet")
        XCTAssertEqual(options.top, 5)

        let saliency = try SaliencyOptions(runOptions("{}"), model: model)
        XCTAssertEqual(saliency.method, .vanilla)
        XCTAssertEqual(saliency.samples, 25)
        XCTAssertEqual(saliency.noise, 0.15)
        XCTAssertEqual(saliency.colormap.name, "gray")
    }

    func testClassesByIndexLabelTopAndList() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        model.labels = ["ant", "bee", "cat", "dog", "eel"]
        let options = try GradCAMOptions(runOptions("{class: [top, 3, cat], score: logit, method: gradcam++}"), model: model)
        XCTAssertEqual(options.target.choices, [.top, .index(3), .index(2)])
        XCTAssertEqual(options.target.scoreNode, model.logitNode)
        XCTAssertNotEqual(model.logitNode, model.predictionLayer!.outputNode)
        XCTAssertEqual(options.method, .gradcamPlusPlus)
    }

    func testClassOutOfRange() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let error = vizError { _ = try GradCAMOptions(runOptions("class: 5"), model: model) }
        XCTAssertEqual(error?.location, "test.yaml:1:8")
        XCTAssertTrue(
            error?.message.hasPrefix("class 5 is out of range: the model has 5 classes (0…4) (at class)") ?? false,
            error?.message ?? "")

        let sigmoid = try Fixtures.model("k2_functional", loader: HDF5ModelLoader())
        let binary = vizError { _ = try SaliencyOptions(runOptions("class: [1, 2]"), model: sigmoid) }
        XCTAssertTrue(
            binary?.message.hasPrefix("class 2 is out of range: the model has one sigmoid output: classes 0 and 1 (at class[1])")
                ?? false,
            binary?.message ?? "")
    }

    func testUnknownLabelSuggestsTheClosest() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        model.labels = ["ant", "bee", "chelsea", "dog", "eel"]
        let error = vizError { _ = try GradCAMOptions(runOptions("class: chelsee"), model: model) }
        XCTAssertEqual(error?.location, "test.yaml:1:8")
        XCTAssertTrue(
            error?.message.hasPrefix(
                "unknown class label 'chelsee' (known: ant, bee, chelsea, dog, eel); did you mean 'chelsea'?") ?? false,
            error?.message ?? "")

        model.labels = nil
        let noLabels = vizError { _ = try GradCAMOptions(runOptions("class: chelsea"), model: model) }
        XCTAssertTrue(noLabels?.message.contains("the model has no labels file") ?? false, noLabels?.message ?? "")
    }

    func testLayerMustBeFourDimensional() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let error = vizError { _ = try GradCAMOptions(runOptions("layer: dense"), model: model) }
        XCTAssertEqual(error?.location, "test.yaml:1:8")
        XCTAssertTrue(
            error?.message.hasPrefix("layer 'dense' has output shape (None, 16); Grad-CAM needs a 4-D") ?? false,
            error?.message ?? "")
        let typo = vizError { _ = try GradCAMOptions(runOptions("layer: conv2d_5"), model: model) }
        XCTAssertTrue(typo?.message.contains("no layer named 'conv2d_5'") ?? false, typo?.message ?? "")
    }

    func testLayerThatDoesNotFeedTheOutput() throws {
        let model = try TestModels.twoBranch()
        let error = vizError { _ = try GradCAMOptions(runOptions("layer: unused"), model: model) }
        XCTAssertEqual(error?.location, "test.yaml:1:8")
        XCTAssertTrue(
            error?.message.hasPrefix("layer unused does not feed the model's output; gradients cannot flow from the score to it")
                ?? false, error?.message ?? "")
        // The default skips the unused branch even though it comes later in the layer list.
        XCTAssertEqual(try GradCAMOptions(runOptions("{}"), model: model).layer.name, "used")
        XCTAssertNoThrow(try GradCAMOptions(runOptions("layer: used"), model: model))
    }

    func testOtherOptionErrors() throws {
        let model = try Fixtures.model("k2_sequential", loader: HDF5ModelLoader())
        let method = vizError { _ = try GradCAMOptions(runOptions("method: hirescan"), model: model) }
        XCTAssertTrue(
            method?.message.hasPrefix(
                "unknown method 'hirescan' (known: gradcam, gradcam++, xgradcam, layercam, hirescam, eigencam, eigengradcam, "
                    + "scorecam, ablationcam, guided_gradcam)")
                ?? false, method?.message ?? "")
        XCTAssertTrue(method?.message.contains("did you mean 'hirescam'?") ?? false, method?.message ?? "")
        XCTAssertEqual(try GradCAMOptions(runOptions("method: gradcampp"), model: model).method, .gradcamPlusPlus)
        let score = vizError { _ = try GradCAMOptions(runOptions("score: logits"), model: model) }
        XCTAssertTrue(score?.message.contains("did you mean 'logit'?") ?? false, score?.message ?? "")
        let key = vizError { _ = try GradCAMOptions(runOptions("colourmap: jet"), model: model) }
        XCTAssertTrue(key?.message.hasPrefix("unknown key 'colourmap'; did you mean 'colormap'?") ?? false, key?.message ?? "")
        let noise = vizError { _ = try SaliencyOptions(runOptions("samples: 4"), model: model) }
        XCTAssertTrue(noise?.message.hasPrefix("samples only applies to `method: smoothgrad`") ?? false, noise?.message ?? "")
        XCTAssertNoThrow(try SaliencyOptions(runOptions("{method: smoothgrad, samples: 4, noise: 0.2, seed: 3}"), model: model))
    }
}
