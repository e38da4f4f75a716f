internal import CHDF5
import Foundation
import VizCore

/// An HDF5 file opened read-only, on disk or from bytes in memory.
///
/// Only what Keras files need: groups, string attributes and numeric datasets. Every failure is a
/// `VizError` located at `path`; libhdf5's own stderr report is switched off.
///
/// libhdf5 as Debian builds it is not thread-safe: use one file at a time per process.
public final class HDF5File {
    /// The file path, or the name an in-memory image was given; errors are located here.
    public let path: String
    let id: hid_t

    /// Opens the file at `path`, telling a missing file, a file that is not HDF5 and a damaged one apart.
    public init(path: String) throws {
        HDF5Library.prepare()
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VizError("no such file", at: path)
        }
        guard !isDirectory.boolValue else { throw VizError("is a folder, not an HDF5 file", at: path) }
        let signature = H5Fis_hdf5(path)
        guard signature >= 0 else { throw VizError("cannot read the file (\(HDF5Library.lastError()))", at: path) }
        guard signature > 0 else {
            throw VizError("not an HDF5 file (no HDF5 signature); the hdf5 loader reads Keras .h5 files", at: path)
        }
        id = H5Fopen(path, vizrun_H5F_ACC_RDONLY(), vizrun_H5P_DEFAULT())
        guard id >= 0 else {
            throw VizError("cannot open this HDF5 file; it may be truncated or damaged (\(HDF5Library.lastError()))",
                           at: path)
        }
    }

    /// Opens an HDF5 file held in memory (e.g. `model.weights.h5` inside a `.keras` archive); `name`
    /// is only used in messages. The bytes are copied, so `image` need not outlive the file.
    public init(image: Data, name: String) throws {
        HDF5Library.prepare()
        path = name
        let access = H5Pcreate(vizrun_H5P_FILE_ACCESS())
        guard access >= 0 else { throw VizError("libhdf5 cannot create a file-access list", at: name) }
        defer { H5Pclose(access) }
        // The core driver without a backing store keeps the whole file in memory and never writes it;
        // H5Pset_file_image copies the bytes (it takes a mutable pointer but does not write through it).
        let configured = H5Pset_fapl_core(access, 1 << 16, false) >= 0 && image.withUnsafeBytes { bytes in
            H5Pset_file_image(access, UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } >= 0
        guard configured else { throw VizError("libhdf5 cannot take an in-memory file image", at: name) }
        // libhdf5 treats two open core files with the same name as one file, so the name must be unique.
        id = H5Fopen("\(name)#\(UUID().uuidString)", vizrun_H5F_ACC_RDONLY(), access)
        guard id >= 0 else {
            throw VizError("not a readable HDF5 file image (\(HDF5Library.lastError()))", at: name)
        }
    }

    deinit { H5Fclose(id) }

    /// The root group `/`.
    public func root() throws -> HDF5Group {
        let group = H5Gopen2(id, "/", vizrun_H5P_DEFAULT())
        guard group >= 0 else { throw VizError("cannot open the root group (\(HDF5Library.lastError()))", at: path) }
        return HDF5Group(file: self, id: group, path: "/")
    }
}
