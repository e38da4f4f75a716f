import VizCore

extension RunInput {
    /// `body`'s result; an error it throws that names no place (a region target or an occlusion
    /// patch that does not fit an input of another size) is located at this input's file.
    func locatingErrors<Result>(_ body: () throws -> Result) throws -> Result {
        do { return try body() } catch var error as VizError where error.location == nil {
            error.location = path
            throw error
        }
    }
}
