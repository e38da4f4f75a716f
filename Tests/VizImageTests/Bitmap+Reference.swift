import VizCore
import VizTesting
import XCTest

extension Bitmap {
    /// The pixels as an (H, W, C) tensor, the shape `img_to_array` gives.
    var tensor: Tensor {
        Tensor(shape: [height, width, channels], scalars: pixels.map(Float.init))
    }
}

/// Fails unless `bitmap` has the reference's (H, W, C) shape and no pixel differs by more than
/// `levels`; returns the largest difference so tests can report what they measured.
@discardableResult
func assertPixels(
    _ bitmap: Bitmap, match referenceName: String, within levels: Float = 0,
    file: StaticString = #filePath, line: UInt = #line
) throws -> Float {
    let expected = try Fixtures.tensor("images/\(referenceName)")
    let shape = expected.rank == 2 ? expected.shape + [1] : expected.shape
    guard bitmap.tensor.shape == shape else {
        XCTFail("shape \(bitmap.tensor.shape) != expected \(shape) for \(referenceName)", file: file, line: line)
        return .infinity
    }
    let worst = zip(bitmap.pixels, expected.scalars).reduce(Float(0)) { max($0, abs(Float($1.0) - $1.1)) }
    XCTAssertLessThanOrEqual(
        worst, levels, "\(referenceName): largest difference \(worst) levels",
        file: file, line: line)
    return worst
}

/// Fails unless `body` throws a `VizError` located at `path` whose message is `message`.
func assertVizError(
    at path: String, message: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    let error = vizError(body, file: file, line: line)
    XCTAssertEqual(error?.location, path, file: file, line: line)
    XCTAssertEqual(error?.message, message, file: file, line: line)
}
