internal import CHDF5
import Foundation
import VizCore

/// An HDF5 file opened read-only.
///
/// Only what Keras files need: groups, string attributes and numeric datasets. Every failure is a
/// `VizError` located at `path`; libhdf5's own stderr report is switched off.
///
/// libhdf5 as Debian builds it is not thread-safe: use one file at a time per process.
public final class HDF5File {
    /// The file path, or the name an in-memory image was given; errors are located here.
    public let path: String
    let id: hid_t
    /// What the probe's child reached and the string attributes it read, which are never read in-process.
    /// (Settable in the module for the tests of what the parent does with it.)
    var probed = ProbedFile()

    /// Opens the file at `path`, telling a missing file, a file that is not HDF5 and a damaged one apart.
    /// Errors name `name` when given (a member extracted from an archive), else `path`.
    public init(path: String, reportedAs name: String? = nil) throws {
        HDF5Library.prepare()
        self.path = name ?? path
        let path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VizError("no such file", at: self.path)
        }
        guard !isDirectory.boolValue else { throw VizError("is a folder, not an HDF5 file", at: self.path) }
        let signature = H5Fis_hdf5(path)
        guard signature >= 0 else { throw VizError("cannot read the file (\(HDF5Library.lastError()))", at: self.path) }
        guard signature > 0 else {
            throw VizError("not an HDF5 file (no HDF5 signature); the hdf5 loader reads Keras .h5 files", at: self.path)
        }
        id = H5Fopen(path, vizrun_H5F_ACC_RDONLY(), vizrun_H5P_DEFAULT())
        guard id >= 0 else {
            throw VizError(
                "cannot open this HDF5 file; it may be truncated or damaged (\(HDF5Library.lastError()))",
                at: self.path)
        }
        probed = try probeInChildProcess()
    }

    deinit { H5Fclose(id) }

    /// The root group `/`.
    public func root() throws -> HDF5Group {
        let group = H5Gopen2(id, "/", vizrun_H5P_DEFAULT())
        guard group >= 0 else { throw VizError("cannot open the root group (\(HDF5Library.lastError()))", at: path) }
        return HDF5Group(file: self, id: group, path: "/")
    }
}
