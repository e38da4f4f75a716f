internal import CPNG
import Foundation
import VizCore

extension Bitmap {
    /// The bitmap as an 8-bit PNG (gray, RGB or RGBA by `channels`), written by libpng
    /// at zlib's fastest level: outputs are written often and read rarely, and on activation grids
    /// that is twice as fast as libpng's own fast setting for the same size. Rows go unfiltered, or
    /// all Up-filtered where a trial on a band of rows deflates smaller that way (photographs,
    /// overlays, heatmaps: a third smaller and faster; activation grids keep no filter).
    public func pngData() throws -> Data {
        var output = vizrun_png_output()
        let succeeded = pixels.withUnsafeBufferPointer {
            vizrun_png_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(channels), 1, &output)
        }
        guard succeeded != 0, let data = output.data else {
            let reason = withUnsafeBytes(of: &output.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw VizError("cannot encode a \(width)x\(height) PNG: \(reason)")
        }
        return Data(bytesNoCopy: data, count: output.size, deallocator: .free)
    }

    /// Each bitmap as a PNG (or why not), encoded on all cores.
    public static func pngData(of bitmaps: [Bitmap]) -> [Result<Data, VizError>] {
        var results = [Result<Data, VizError>](repeating: .success(Data()), count: bitmaps.count)
        results.withUnsafeMutableBufferPointer { results in
            Parallelism.forEach(bitmaps.count) { index in
                do { results[index] = .success(try bitmaps[index].pngData()) } catch {
                    results[index] = .failure(error as? VizError ?? VizError("\(error)"))
                }
            }
        }
        return results
    }

    /// Writes the bitmap as a PNG file at `path`, replacing any file there.
    public func writePNG(toFile path: String) throws {
        let data = try pngData()
        do {
            try FileWriting.write(data, toFile: path)
        } catch {
            throw VizError("cannot write the PNG file: \(error.localizedDescription)", at: path)
        }
    }
}
