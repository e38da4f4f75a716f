import Foundation
import VizCore

/// Little-endian float32 values with nothing else in the file: the architecture's `tensors` list
/// gives each tensor's name and shape, in file order.
struct RawFloat32File: WeightFile {
    let path: String
    let tensors: [RawArchitecture.ListedTensor]
    private let data: Data
    /// Where each tensor starts, in scalars.
    private let offsets: [String: Int]

    init(path: String, tensors: [RawArchitecture.ListedTensor]) throws {
        self.path = path
        self.tensors = tensors
        data = try WeightFiles.mappedContents(of: path)
        var offsets: [String: Int] = [:]
        var end = 0
        for tensor in tensors {
            guard offsets[tensor.name] == nil else { throw tensor.node.error("tensor '\(tensor.name)' is listed twice") }
            offsets[tensor.name] = end
            let count = tensor.shape.reduce(into: Int?(1)) { product, size in
                product = product.flatMap { value in
                    let (next, overflow) = value.multipliedReportingOverflow(by: size)
                    return overflow ? nil : next
                }
            }
            guard let count, count <= (data.count / 4) - end else {
                throw VizError(
                    "is \(data.count) bytes, too short for tensor '\(tensor.name)' of shape "
                        + "\(ShapeCheck.describe(tensor.shape)), listed in the architecture after \(end * 4) bytes of others",
                    at: path)
            }
            end += count
        }
        guard end * 4 == data.count else {
            throw VizError("is \(data.count) bytes, but the tensors listed in the architecture take \(end * 4)", at: path)
        }
        self.offsets = offsets
    }

    var tensorNames: [String] { tensors.map(\.name) }

    func tensor(named name: String) throws -> Tensor {
        guard let offset = offsets[name], let listed = tensors.first(where: { $0.name == name }) else {
            throw VizError("holds no tensor named '\(name)'", at: path)
        }
        let count = listed.shape.reduce(1, *)
        let start = data.startIndex + offset * 4
        let scalars = data[start..<(start + count * 4)].withUnsafeBytes { raw in
            // Every platform vizrun builds for is little-endian, as the file is.
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                initialized = count
            }
        }
        return Tensor(shape: listed.shape, scalars: scalars)
    }
}
