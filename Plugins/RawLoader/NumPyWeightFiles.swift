import Foundation
import KerasGraph
import VizCore
internal import ZIPFoundation

// MARK: - .npz

/// A NumPy `.npz` archive (`np.savez` or `np.savez_compressed`): a ZIP of `<name>.npy` members,
/// each read by VizCore's `.npy` reader (format versions 1–3, C order only).
struct NpzFile: WeightFile {
    let path: String
    let tensorNames: [String]
    private let archive: Archive

    init(path: String) throws {
        self.path = path
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw VizError("is not a readable .npz file: not a ZIP archive, or a damaged one", at: path)
        }
        // NumPy names each member after its key; a name may itself contain `/` (`conv1/kernel.npy`).
        tensorNames = archive.filter { $0.type == .file }.map(\.path).map { name in
            name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
        }
    }

    func tensor(named name: String) throws -> Tensor {
        guard let entry = archive[name + ".npy"] ?? archive[name] else {
            throw VizError("holds no array named '\(name)'", at: path)
        }
        let data: Data
        do {
            // The sizes are the archive's word: checked before memory is taken, and held to while extracting.
            data = try ArchiveMemberSize(entry.uncompressedSize, compressed: entry.compressedSize, of: entry.path, in: path)
                .read { consumer in _ = try archive.extract(entry, consumer: consumer) }
        } catch let error as VizError {
            throw error
        } catch {
            throw VizError("cannot read array '\(name)': the archive is damaged (\(error))", at: path)
        }
        return try Tensor(npyData: data, source: "\(path)/\(entry.path)")
    }
}

// MARK: - A folder of .npy files

/// A folder of `.npy` files, one tensor each, named by its path in the folder without `.npy`
/// (`conv1.weight.npy` → `conv1.weight`; `conv1/kernel.npy` → `conv1/kernel`).
struct NpyFolder: WeightFile {
    let path: String
    let tensorNames: [String]

    init(path: String) throws {
        self.path = path
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw VizError("cannot list the folder", at: path)
        }
        let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".npy") }.sorted()
        guard !files.isEmpty else { throw VizError("holds no .npy files", at: path) }
        tensorNames = files.map { String($0.dropLast(4)) }
    }

    func tensor(named name: String) throws -> Tensor {
        try Tensor(npyData: try WeightFiles.mappedContents(of: file(name)), source: file(name))
    }

    private func file(_ name: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(name + ".npy").path
    }
}
