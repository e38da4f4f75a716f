import Foundation
import VizCore
import VizImage
import VizTesting
import XCTest

@testable import Activations

final class ActivationGridTests: XCTestCase {
    private struct Reference: Decodable {
        struct Layer: Decodable {
            let name: String
            let output: String
        }
        let layers: [Layer]
    }

    /// The grey grid (before the colormap) equals the book's NumPy computation on Keras's activations.
    /// Truncation to uint8 may flip one level where Float32 sums differ in their last bit.
    func testGridsMatchTheBooksNumPyGrids() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/seed/reference.json")))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        var compared = 0
        for layer in reference.layers.prefix(8) {
            let name = ((layer.output as NSString).lastPathComponent as NSString).deletingPathExtension
            let gridPath = Fixtures.path("models/seed/grids/\(name).npy")
            guard FileManager.default.fileExists(atPath: gridPath) else { continue }
            let activation = try Fixtures.tensor("models/seed/\(layer.output)")
            let expected = try Tensor(npyFileAt: gridPath)
            let grid = ActivationGrid.grey(activation, imagesPerRow: 16, margin: 0)
            XCTAssertEqual([grid.height, grid.width], expected.shape, layer.name)
            let differences = zip(grid.pixels, expected.scalars).map { abs(Int($0) - Int($1)) }
            XCTAssertLessThanOrEqual(differences.max() ?? 0, 1, layer.name)
            XCTAssertLessThan(Double(differences.filter { $0 > 0 }.count) / Double(differences.count), 1e-3, layer.name)
            compared += 1
        }
        XCTAssertEqual(compared, 8, "the seed fixture should have 8 four-dimensional layers")
    }

    func testConstantChannelIsFlatGreyAndLeftoversFillAPartialRow() {
        // 3 channels: a ramp, a constant, and a ramp of the other sign; 2 per row → 2 rows.
        var scalars: [Float] = []
        for pixel in 0..<4 { scalars += [Float(pixel), 5, -Float(pixel)] }
        let activation = Tensor(shape: [1, 2, 2, 3], scalars: scalars)
        let grid = ActivationGrid.grey(activation, imagesPerRow: 2, margin: 0)
        XCTAssertEqual([grid.width, grid.height], [4, 4])
        let constantTile = [grid.pixels[2], grid.pixels[3], grid.pixels[6], grid.pixels[7]]
        XCTAssertEqual(constantTile, [128, 128, 128, 128])
        // Ramp 0,1,2,3: mean 1.5, std √1.25 → (x−1.5)/1.118·64+128 truncated.
        XCTAssertEqual([grid.pixels[0], grid.pixels[1], grid.pixels[4], grid.pixels[5]], [42, 99, 156, 213])
        // The empty fourth tile stays at the background.
        XCTAssertEqual([grid.pixels[10], grid.pixels[11], grid.pixels[14], grid.pixels[15]], [0, 0, 0, 0])
    }
}
