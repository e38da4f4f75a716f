import VizCore
import XCTest

/// The `VizError` that `body` throws; fails the test (and returns nil) when it throws nothing or another error.
public func vizError<Value>(_ body: () throws -> Value, file: StaticString = #filePath, line: UInt = #line) -> VizError? {
    do {
        let value = try body()
        XCTFail("expected a VizError, got \(value)", file: file, line: line)
    } catch let error as VizError {
        return error
    } catch {
        XCTFail("expected a VizError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// Every `VizError` `body` throws (one, or each of a `VizErrors`), in order; a test failure and an
/// empty list if it throws none or another error.
public func vizErrors<Value>(_ body: () throws -> Value, file: StaticString = #filePath, line: UInt = #line) -> [VizError] {
    do {
        let value = try body()
        XCTFail("expected errors, got \(value)", file: file, line: line)
    } catch {
        if let errors = VizErrors.unpack(error) { return errors }
        XCTFail("expected VizErrors, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return []
}
