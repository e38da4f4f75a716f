import CHDF5
import Foundation
import VizCore

/// Writes and edits small HDF5 files for the cases Keras fixtures do not cover: every string
/// encoding h5py has used, edited configs, moved weight groups.
public final class HDF5TestWriter {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public enum StringStorage {
        /// What h5py 3 writes for `str` and lists of bytes.
        case variableLength
        /// What h5py 2 (and `np.array_split` chunks) write: `|S<n>`, NUL-padded.
        case fixedLength
    }

    public let path: String
    private let file: hid_t

    /// Creates a new, empty file (replacing any file at `path`).
    public init(creating path: String) throws {
        self.path = path
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        file = H5Fcreate(path, vizrun_H5F_ACC_TRUNC(), vizrun_H5P_DEFAULT(), vizrun_H5P_DEFAULT())
        guard file >= 0 else { throw Failure(description: "cannot create \(path)") }
    }

    /// Opens an existing file (a copied fixture) for editing.
    public init(editing path: String) throws {
        self.path = path
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        file = H5Fopen(path, vizrun_H5F_ACC_RDWR(), vizrun_H5P_DEFAULT())
        guard file >= 0 else { throw Failure(description: "cannot open \(path) for writing") }
    }

    deinit { H5Fclose(file) }

    private func check(_ status: some BinaryInteger, _ what: String) throws {
        guard status >= 0 else { throw Failure(description: "\(what) failed in \(path)") }
    }

    /// Link creation that makes missing intermediate groups, as h5py does for `f["a/b/c"]`.
    private func withIntermediateGroups<T>(_ body: (hid_t) throws -> T) throws -> T {
        let list = H5Pcreate(vizrun_H5P_LINK_CREATE())
        defer { H5Pclose(list) }
        try check(H5Pset_create_intermediate_group(list, 1), "H5Pset_create_intermediate_group")
        return try body(list)
    }

    // MARK: - Attributes

    /// A scalar string attribute.
    public func setString(
        _ value: String, attribute name: String, on object: String = "/",
        storage: StringStorage = .variableLength, utf8: Bool = false
    ) throws {
        try writeStrings([value], attribute: name, on: object, storage: storage, utf8: utf8, scalar: true)
    }

    /// A 1-D string attribute.
    public func setStrings(
        _ values: [String], attribute name: String, on object: String = "/",
        storage: StringStorage
    ) throws {
        try writeStrings(values, attribute: name, on: object, storage: storage, utf8: false, scalar: false)
    }

    /// A float64 attribute of shape (0,): how Keras stores `weight_names` of a layer without weights.
    public func setEmptyList(attribute name: String, on object: String) throws {
        var length: hsize_t = 0
        let space = H5Screate_simple(1, &length, nil)
        defer { H5Sclose(space) }
        try createAttribute(name, on: object, type: vizrun_H5T_IEEE_F64LE(), space: space) { _ in }
    }

    /// A 1-D float64 attribute, which is not text.
    public func setNumbers(_ values: [Double], attribute name: String, on object: String = "/") throws {
        var length = hsize_t(values.count)
        let space = H5Screate_simple(1, &length, nil)
        defer { H5Sclose(space) }
        try createAttribute(name, on: object, type: vizrun_H5T_IEEE_F64LE(), space: space) { attribute in
            try check(H5Awrite(attribute, vizrun_H5T_NATIVE_DOUBLE(), values), "H5Awrite")
        }
    }

    public func deleteAttribute(_ name: String, on object: String = "/") throws {
        let handle = H5Oopen(file, object, vizrun_H5P_DEFAULT())
        try check(handle, "H5Oopen \(object)")
        defer { H5Oclose(handle) }
        try check(H5Adelete(handle, name), "H5Adelete \(name)")
    }

    private func writeStrings(
        _ values: [String], attribute name: String, on object: String,
        storage: StringStorage, utf8: Bool, scalar: Bool
    ) throws {
        let type = H5Tcopy(vizrun_H5T_C_S1())
        defer { H5Tclose(type) }
        try check(H5Tset_cset(type, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "H5Tset_cset")
        var length = hsize_t(values.count)
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &length, nil)
        defer { H5Sclose(space) }
        switch storage {
        case .variableLength:
            try check(H5Tset_size(type, vizrun_H5T_VARIABLE()), "H5Tset_size")
            let copies = values.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            let pointers = copies.map { UnsafePointer($0) }
            try createAttribute(name, on: object, type: type, space: space) { attribute in
                try check(H5Awrite(attribute, type, pointers), "H5Awrite")
            }
        case .fixedLength:
            let width = max(values.map(\.utf8.count).max() ?? 1, 1)
            try check(H5Tset_size(type, width), "H5Tset_size")
            try check(H5Tset_strpad(type, H5T_STR_NULLPAD), "H5Tset_strpad")
            var bytes = [UInt8](repeating: 0, count: width * values.count)
            for (index, value) in values.enumerated() {
                bytes.replaceSubrange((index * width)..<(index * width + value.utf8.count), with: Array(value.utf8))
            }
            try createAttribute(name, on: object, type: type, space: space) { attribute in
                try check(H5Awrite(attribute, type, bytes), "H5Awrite")
            }
        }
    }

    /// Replaces any attribute of that name, then lets `write` fill the new one.
    private func createAttribute(
        _ name: String, on object: String, type: hid_t, space: hid_t,
        write: (hid_t) throws -> Void
    ) throws {
        let handle = H5Oopen(file, object, vizrun_H5P_DEFAULT())
        try check(handle, "H5Oopen \(object)")
        defer { H5Oclose(handle) }
        if H5Aexists(handle, name) > 0 { try check(H5Adelete(handle, name), "H5Adelete \(name)") }
        let attribute = H5Acreate2(handle, name, type, space, vizrun_H5P_DEFAULT(), vizrun_H5P_DEFAULT())
        try check(attribute, "H5Acreate2 \(name)")
        defer { H5Aclose(attribute) }
        try write(attribute)
    }

    // MARK: - Groups and datasets

    public func createGroup(_ path: String) throws {
        let group = try withIntermediateGroups {
            H5Gcreate2(file, path, $0, vizrun_H5P_DEFAULT(), vizrun_H5P_DEFAULT())
        }
        try check(group, "H5Gcreate2 \(path)")
        H5Gclose(group)
    }

    /// A little-endian float32 dataset, as Keras stores weights.
    public func writeDataset(_ path: String, _ tensor: Tensor) throws {
        var dimensions = tensor.shape.map { hsize_t($0) }
        let space = tensor.shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(tensor.rank), &dimensions, nil)
        defer { H5Sclose(space) }
        let dataset = try withIntermediateGroups {
            H5Dcreate2(file, path, vizrun_H5T_IEEE_F32LE(), space, $0, vizrun_H5P_DEFAULT(), vizrun_H5P_DEFAULT())
        }
        try check(dataset, "H5Dcreate2 \(path)")
        defer { H5Dclose(dataset) }
        try check(
            H5Dwrite(
                dataset, vizrun_H5T_NATIVE_FLOAT(), vizrun_H5S_ALL(), vizrun_H5S_ALL(),
                vizrun_H5P_DEFAULT(), tensor.scalars), "H5Dwrite \(path)")
    }

    /// A float32 dataset of `shape` with nothing written: libhdf5 allocates contiguous storage only
    /// on the first write, so a file can claim a shape far beyond any memory, as a damaged one may.
    public func declareDataset(_ path: String, shape: [Int]) throws {
        var dimensions = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(shape.count), &dimensions, nil)
        defer { H5Sclose(space) }
        let dataset = try withIntermediateGroups {
            H5Dcreate2(file, path, vizrun_H5T_IEEE_F32LE(), space, $0, vizrun_H5P_DEFAULT(), vizrun_H5P_DEFAULT())
        }
        try check(dataset, "H5Dcreate2 \(path)")
        H5Dclose(dataset)
    }

    /// Renames a group or dataset, creating the groups on the new path.
    public func move(_ source: String, to destination: String) throws {
        try withIntermediateGroups {
            try check(H5Lmove(file, source, file, destination, $0, vizrun_H5P_DEFAULT()), "H5Lmove \(source)")
        }
    }

    public func deleteLink(_ path: String) throws {
        try check(H5Ldelete(file, path, vizrun_H5P_DEFAULT()), "H5Ldelete \(path)")
    }

    /// A soft link: `path` names whatever `target` (absolute, or relative to the link's group) names.
    public func linkSoftly(_ path: String, to target: String) throws {
        try withIntermediateGroups {
            try check(H5Lcreate_soft(target, file, path, $0, vizrun_H5P_DEFAULT()), "H5Lcreate_soft \(path)")
        }
    }

    /// An external link: `path` names the object at `object` in another HDF5 file.
    public func linkExternally(_ path: String, toFile otherFile: String, object: String) throws {
        try withIntermediateGroups {
            try check(
                H5Lcreate_external(otherFile, object, file, path, $0, vizrun_H5P_DEFAULT()), "H5Lcreate_external \(path)")
        }
    }
}
