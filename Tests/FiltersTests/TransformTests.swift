import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// The `transforms` against lucent (Tests/Fixtures/lucid/transforms, written by
/// Scripts/make_lucid_transform_fixtures.py) and against finite differences.
final class TransformTests: XCTestCase {
    /// Levels 0…1 as they are: the identity input mapping lucent's transforms see.
    static let identity = InputMapping(scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0], source: [0, 1, 2])

    static func cases() throws -> [String: [[String: Any]]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("lucid/transforms/cases.json")))
        return try JSONSerialization.jsonObject(with: data) as! [String: [[String: Any]]]
    }

    /// The case's transforms, each with the choice lucent drew, as resamplings of `height`×`width`.
    static func resamplings(_ steps: [[String: Any]], height: Int, width: Int) -> [Resampling] {
        var (height, width) = (height, width)
        return steps.map { step in
            let choices = (step["choices"] as! [NSNumber]).map(\.doubleValue)
            let resampling: Resampling
            switch step["kind"] as! String {
            case "pad":
                let parameter = step["parameter"] as! [String: Any]
                let pad = Pad(width: parameter["width"] as! Int, mode: Pad.Mode(rawValue: parameter["mode"] as! String)!)
                resampling = pad.resampling(height: height, width: width, choice: ())
            case "jitter":
                let jitter = Jitter(distance: step["parameter"] as! Int)
                resampling = jitter.resampling(height: height, width: width, choice: (Int(choices[0]), Int(choices[1])))
            case "scale":
                let scale = RandomScale(factors: (step["parameter"] as! [NSNumber]).map(\.doubleValue))
                resampling = scale.resampling(height: height, width: width, choice: choices[0])
            default:
                let rotation = RandomRotation(degrees: (step["parameter"] as! [NSNumber]).map(\.floatValue))
                resampling = rotation.resampling(height: height, width: width, choice: Float(choices[0]))
            }
            (height, width) = (resampling.height, resampling.width)
            return resampling
        }
    }

    func testEachTransformAndTheStandardChainMatchLucent() throws {
        let cases = try Self.cases()
        XCTAssertEqual(cases.count, 8)
        for (name, steps) in cases.sorted(by: { $0.key < $1.key }) {
            let input = try Fixtures.tensor("lucid/transforms/\(name)_input.npy")
            let chain = TransformChain(inputMapping: Self.identity)
            var image = input
            let resamplings = Self.resamplings(steps, height: input.shape[1], width: input.shape[2])
            for resampling in resamplings { image = resampling.forward(image, fill: chain.fill(resampling.fillLevel)) }
            let expected = try Fixtures.tensor("lucid/transforms/\(name)_output.npy")
            XCTAssertEqual(image.shape, expected.shape, name)
            guard image.shape == expected.shape else { continue }
            XCTAssertLessThanOrEqual(maxDifference(image, expected), 1e-5, "\(name): output")

            let upstream = try Fixtures.tensor("lucid/transforms/\(name)_upstream.npy")
            let gradient = resamplings.reversed().reduce(upstream) { $1.adjoint($0) }
            let expectedGradient = try Fixtures.tensor("lucid/transforms/\(name)_gradient.npy")
            XCTAssertGreaterThan(expectedGradient.maxAbs, 0.1, name)
            XCTAssertLessThanOrEqual(maxDifference(gradient, expectedGradient), 1e-5, "\(name): input gradient")
        }
    }

    /// `transforms: standard` is lucent's list, the fixture's `standard` case read back.
    func testStandardIsLucentsStandardTransforms() throws {
        let steps = try XCTUnwrap(try Self.cases()["standard"])
        let standard = TransformChain.standard
        XCTAssertEqual(standard.count, steps.count)
        XCTAssertEqual(standard[0] as? Pad, Pad(width: 12, mode: .constant))
        XCTAssertEqual(standard[1] as? Jitter, Jitter(distance: steps[1]["parameter"] as! Int))
        XCTAssertEqual(
            (standard[2] as? RandomScale)?.factors, (steps[2]["parameter"] as! [NSNumber]).map(\.doubleValue))
        XCTAssertEqual(
            (standard[3] as? RandomRotation)?.degrees, (steps[3]["parameter"] as! [NSNumber]).map(\.floatValue))
        XCTAssertEqual(standard[4] as? Jitter, Jitter(distance: steps[4]["parameter"] as! Int))
    }

    /// Every transform's adjoint against central differences of Σ w ⊙ forward(x), on a
    /// non-square image with a preprocessing that maps the fill to different values per channel.
    func testEveryTransformsGradientMatchesFiniteDifferences() {
        let transforms: [(String, Resampling)] = [
            ("pad constant", Pad(width: 2, mode: .constant).resampling(height: 5, width: 4, choice: ())),
            ("pad reflect", Pad(width: 3, mode: .reflect).resampling(height: 5, width: 4, choice: ())),
            ("jitter", Jitter(distance: 3).resampling(height: 5, width: 4, choice: (2, 1))),
            ("scale up", RandomScale(factors: [1.3]).resampling(height: 5, width: 4, choice: 1.3)),
            ("scale down", RandomScale(factors: [0.7]).resampling(height: 5, width: 4, choice: 0.7)),
            ("rotate", RandomRotation(degrees: [-9]).resampling(height: 5, width: 4, choice: -9)),
        ]
        let chain = TransformChain(inputMapping: InputMapping(scale: [2, -1, 0.5], offset: [-100, 3, 0], source: [2, 1, 0]))
        for (label, resampling) in transforms {
            let x = randomTensor([2, 5, 4, 3], seed: 3)
            let fill = chain.fill(resampling.fillLevel)
            let weights = randomTensor([2, resampling.height, resampling.width, 3], seed: 4)
            let numeric = numericGradients([x], epsilon: 1e-2) { weightedSum(resampling.forward($0[0], fill: fill), weights) }
            let result = compareGradients(analytic: [resampling.adjoint(weights)], numeric: numeric, inputs: [x])
            XCTAssertTrue(result.problems.isEmpty, "\(label): " + result.problems.joined(separator: "; "))
            XCTAssertGreaterThan(result.scale, 0, label)
            XCTAssertLessThanOrEqual(result.relative, 1e-3, "\(label): \(result.summary)")
        }
    }

    /// Transforming in the model's input space gives the preprocessed lucent picture: the fill is
    /// the preprocessing of its level, so preprocess-then-transform equals transform-then-preprocess.
    func testTransformsCommuteWithThePreprocessing() {
        let mapping = InputMapping(scale: [1, 1 / 127.5, 2], offset: [-103.9, -1, 5], source: [2, 1, 0])
        let levels = randomTensor([1, 6, 7, 3], seed: 5, low: 0, high: 1)
        func preprocess(_ x: Tensor) -> Tensor {
            var out = x
            for index in 0..<x.count {
                let c = index % 3
                out.scalars[index] = 255 * x.scalars[index - c + mapping.source[c]] * mapping.scale[c] + mapping.offset[c]
            }
            return out
        }
        let chain = TransformChain(transforms: TransformChain.standard, inputMapping: mapping)
        let identity = TransformChain(transforms: TransformChain.standard, inputMapping: Self.identity)
        var (first, second) = (SeededGenerator(seed: 9), SeededGenerator(seed: 9))
        let inInputSpace = chain.apply(preprocess(levels), generator: &first).image
        let inLevels = preprocess(identity.apply(levels, generator: &second).image)
        XCTAssertEqual(inInputSpace.shape, inLevels.shape)
        XCTAssertLessThanOrEqual(maxDifference(inInputSpace, inLevels), 1e-3)
    }

    /// The draws come from the run's seeded generator: the same seed gives the same images.
    func testDrawsAreSeeded() {
        let x = randomTensor([1, 8, 8, 3], seed: 6, low: 0, high: 1)
        let chain = TransformChain(transforms: TransformChain.standard, inputMapping: Self.identity)
        func run(_ seed: UInt64) -> [Tensor] {
            var generator = SeededGenerator(seed: seed)
            return (0..<4).map { _ in chain.apply(x, generator: &generator).image }
        }
        XCTAssertEqual(run(1), run(1))
        XCTAssertNotEqual(run(1), run(2))
    }

    func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }
}
