import Foundation
import KerasGraph
import VizCore
internal import ZIPFoundation

/// The members of a Keras 3 `.keras` file: a ZIP archive of `config.json`, `metadata.json` and
/// `model.weights.h5` (plus `assets/`, which vizrun has no use for).
struct KerasArchive {
    /// The `.keras` file, where every error is located.
    let path: String
    private let archive: Archive

    init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VizError("no such file", at: path)
        }
        guard !isDirectory.boolValue else { throw VizError("is a folder, not a .keras file", at: path) }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw VizError("is not a readable .keras file: not a ZIP archive, or a damaged one", at: path)
        }
    }

    func contains(_ member: String) -> Bool {
        archive[member] != nil
    }

    /// The bytes of `member`, or an error naming it if it is missing or damaged.
    func data(of member: String, purpose: String) throws -> Data {
        guard let entry = archive[member], entry.type == .file else {
            throw VizError("the .keras archive has no \(member) (\(purpose))", at: path)
        }
        let data: Data
        do {
            // The sizes are the archive's word: checked before memory is taken, and held to while extracting.
            data = try ArchiveMemberSize(entry.uncompressedSize, compressed: entry.compressedSize, of: entry.path, in: path)
                .read { consumer in _ = try archive.extract(entry, consumer: consumer) }
        } catch let error as VizError {
            throw error
        } catch {
            throw VizError("cannot read \(member) from the .keras archive: it is damaged (\(error))", at: path)
        }
        return data
    }

    /// Extracts `member` to a new file in a private temporary folder, streaming (never whole in
    /// memory), and passes its path to `body`; the folder is removed afterwards.
    func withExtractedFile<R>(_ member: String, purpose: String, _ body: (String) throws -> R) throws -> R {
        guard let entry = archive[member], entry.type == .file else {
            throw VizError("the .keras archive has no \(member) (\(purpose))", at: path)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vizrun-keras-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent((member as NSString).lastPathComponent)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            _ = try archive.extract(entry, to: file)
        } catch {
            throw VizError("cannot extract \(member) from the .keras archive (\(error))", at: path)
        }
        return try body(file.path)
    }

    /// `member` as UTF-8 text.
    func text(of member: String, purpose: String) throws -> String {
        guard let text = String(data: try data(of: member, purpose: purpose), encoding: .utf8) else {
            throw VizError("\(member) in the .keras archive is not UTF-8 text", at: path)
        }
        return text
    }
}
