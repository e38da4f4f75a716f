internal import CHDF5
import VizCore

/// A group inside an `HDF5File`; it keeps the file open while it lives.
public final class HDF5Group {
    public let file: HDF5File
    /// The group's absolute path inside the file, for messages.
    public let path: String
    let id: hid_t

    init(file: HDF5File, id: hid_t, path: String) {
        self.file = file
        self.id = id
        self.path = path
    }

    deinit { H5Gclose(id) }

    /// Whether a link exists at `relativePath` (which may contain `/`).
    ///
    /// Checked one component at a time because `H5Lexists` fails, rather than answering false,
    /// when an intermediate group is missing.
    public func contains(_ relativePath: String) -> Bool {
        var prefix = ""
        for component in relativePath.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty ? String(component) : "/" + component
            guard H5Lexists(id, prefix, vizrun_H5P_DEFAULT()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    /// The group at `relativePath` (which may contain `/`).
    public func group(_ relativePath: String) throws -> HDF5Group {
        let fullPath = memberPath(relativePath)
        guard contains(relativePath) else { throw VizError("no group \(fullPath)", at: file.path) }
        let group = H5Gopen2(id, relativePath, vizrun_H5P_DEFAULT())
        guard group >= 0 else {
            throw VizError("cannot open group \(fullPath) (\(HDF5Library.lastError()))", at: file.path)
        }
        return HDF5Group(file: file, id: group, path: fullPath)
    }

    /// The absolute path of a member, for messages.
    public func memberPath(_ relativePath: String) -> String {
        path.hasSuffix("/") ? path + relativePath : path + "/" + relativePath
    }
}
