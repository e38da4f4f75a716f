import Foundation
import VizCore

/// A file (or folder) of named tensors, read on demand as Float32.
protocol WeightFile {
    /// Where errors about the file point.
    var path: String { get }
    /// Every tensor's name, in the file's order.
    var tensorNames: [String] { get }
    /// The tensor, widened or narrowed to Float32; throws for a name the file does not hold or a
    /// tensor it cannot read.
    func tensor(named name: String) throws -> Tensor
}

/// The weights file a path names, chosen by its extension (or a folder of `.npy` files).
enum WeightFiles {
    static let extensions = [".safetensors", ".npz", ".bin"]

    /// The weights at `path`; only a `.bin` file uses the architecture's `tensors` list, and it needs one.
    static func open(_ path: String, architecture: RawArchitecture) throws -> WeightFile {
        let listed = architecture.tensors
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VizError("no such weights file", at: path)
        }
        let lowered = path.lowercased()
        let isBin = !isDirectory.boolValue && lowered.hasSuffix(".bin")
        if isBin != (listed != nil) {
            throw isBin
                ? VizError(
                    "a raw .bin weights file records no tensor names or shapes; list them under `tensors:` "
                        + "in \(architecture.file)", at: path)
                : architecture.root.error("`tensors:` describes a raw .bin weights file, but the weights are \(path)")
        }
        if isDirectory.boolValue { return try NpyFolder(path: path) }
        if lowered.hasSuffix(".safetensors") { return try SafetensorsFile(path: path) }
        if lowered.hasSuffix(".npz") { return try NpzFile(path: path) }
        if let listed { return try RawFloat32File(path: path, tensors: listed) }
        throw VizError(
            "cannot tell the weights' format from the name; vizrun reads "
                + extensions.joined(separator: ", ") + " files and folders of .npy files", at: path)
    }

    /// Reads a whole file, memory-mapped so that large weights are not copied before decoding.
    static func mappedContents(of path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw VizError("cannot read the file (\(error.localizedDescription))", at: path)
        }
    }
}
