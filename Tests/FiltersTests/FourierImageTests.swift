import Foundation
import VizCore
import VizTesting
import XCTest

@testable import Filters

/// Lucid's Fourier parameterisation against lucent (Tests/Fixtures/lucid, Scripts/make_lucid_fixtures.py).
final class FourierImageTests: XCTestCase {
    /// name: (decay power, decorrelate), as the script writes them.
    static let cases: [String: (Float, Bool)] = [
        "even_decorrelated": (1, true), "odd_decorrelated": (1, true), "odd_plain_decay2": (2, false),
    ]

    /// lucent keeps one spectrum column more than irfftn reads when the width is odd: drop it.
    static func droppingUnreadColumn(_ t: Tensor, columns: Int) -> Tensor {
        let shape = t.shape
        guard shape[3] != columns else { return t }
        let rows = shape[0] * shape[1] * shape[2]
        var scalars: [Float] = []
        for row in 0..<rows { scalars += t.scalars[(row * shape[3] * 2)..<((row * shape[3] + columns) * 2)] }
        return Tensor(shape: [shape[0], shape[1], shape[2], columns, 2], scalars: scalars)
    }

    func testImageAndSpectraGradientMatchLucent() throws {
        for (name, (decay, decorrelate)) in Self.cases.sorted(by: { $0.key < $1.key }) {
            let expectedImage = try Fixtures.tensor("lucid/\(name)_image.npy")
            let (height, width, channels) = (expectedImage.shape[1], expectedImage.shape[2], expectedImage.shape[3])
            let fourier = FourierImage(
                height: height, width: width, channels: channels, decayPower: decay, decorrelate: decorrelate,
                inputMapping: pictureInputMapping(channels: channels))
            let spectra = Self.droppingUnreadColumn(try Fixtures.tensor("lucid/\(name)_spectra.npy"), columns: fourier.columns)
            let (rgb, input) = fourier.forward(spectra)
            XCTAssertLessThanOrEqual(zip(rgb.scalars, input.scalars).map { abs($0 - $1) }.max()!, 1e-6, name)
            XCTAssertEqual(rgb.shape, expectedImage.shape, name)
            let imageError = zip(rgb.scalars, expectedImage.scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(imageError, 1e-5, "\(name): image")

            let upstream = try Fixtures.tensor("lucid/\(name)_upstream.npy")
            let gradient = fourier.backward(rgb: rgb, inputGradient: upstream)
            let expected = Self.droppingUnreadColumn(try Fixtures.tensor("lucid/\(name)_gradient.npy"), columns: fourier.columns)
            XCTAssertEqual(gradient.shape, expected.shape, name)
            let gradientError = zip(gradient.scalars, expected.scalars).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(expected.scalars.map(abs).max()!, 1e-2, "\(name): the fixture's gradient is not all but zero")
            XCTAssertLessThanOrEqual(gradientError, 1e-4, "\(name): spectra gradient")
        }
    }

    /// The whole parameterisation (scaling, both DFT passes, decorrelation, sigmoid, the input
    /// mapping, BGR order included) against central differences, on even and odd sizes.
    func testSpectraGradientMatchesFiniteDifferences() throws {
        for (height, width, decorrelate) in [(4, 6, true), (5, 3, true), (3, 5, false)] {
            let fourier = FourierImage(
                height: height, width: width, channels: 3, decayPower: 1, decorrelate: decorrelate,
                inputMapping: InputMapping(scale: [1, -2 / 255, 0.5 / 255], offset: [-120, 1, 0.25], source: [2, 1, 0]))
            var generator = SeededGenerator(seed: 17)
            let spectra = fourier.randomSpectra(batch: 2, standardDeviation: 0.3, generator: &generator)
            checkDrawnGradient(fourier, at: spectra, generator: &generator, "\(height)x\(width)")
        }
    }

    /// Lucid's matrix divided by its largest column norm: that column has norm 1, the others less.
    func testColorCorrelationIsNormalisedByItsLargestColumn() {
        let m = ValidRGB.colorCorrelation
        let norms = (0..<3).map { j in (0..<3).reduce(Float(0)) { $0 + m[$1][j] * m[$1][j] }.squareRoot() }
        XCTAssertEqual(norms.max()!, 1, accuracy: 1e-6)
        XCTAssertEqual(m[0][0] / m[1][0], 0.26 / 0.27, accuracy: 1e-6)
    }
}
