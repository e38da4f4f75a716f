internal import CHDF5
import VizCore

/// Numeric datasets, read as Float32 whatever their stored type (libhdf5 converts float64,
/// big-endian floats and integers on the way).
extension HDF5Group {
    /// The dataset at `relativePath` (which may contain `/`) with its shape; rank 0 is a scalar.
    public func floatDataset(_ relativePath: String) throws -> Tensor {
        let fullPath = memberPath(relativePath)
        func failure(_ problem: String) -> VizError {
            VizError("cannot read dataset \(fullPath): \(problem)", at: file.path)
        }
        guard try openable(relativePath) else { throw failure("there is no such dataset") }
        let dataset = H5Dopen2(id, relativePath, vizrun_H5P_DEFAULT())
        guard dataset >= 0 else { throw failure(HDF5Library.lastError()) }
        defer { H5Dclose(dataset) }
        let fileType = H5Dget_type(dataset)
        guard fileType >= 0 else { throw failure(HDF5Library.lastError()) }
        defer { H5Tclose(fileType) }
        let typeClass = H5Tget_class(fileType)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else { throw failure("it does not hold numbers") }
        // libhdf5 sizes its conversion buffer by the stored width, which a damaged file may make gigabytes.
        let width = H5Tget_size(fileType)
        guard (1...8).contains(width) else {
            throw failure("its numbers are \(width) bytes wide; Keras stores at most 8 (float64, int64)")
        }

        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw failure(HDF5Library.lastError()) }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw failure(HDF5Library.lastError()) }
        var dimensions = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dimensions, nil) >= 0 else { throw failure(HDF5Library.lastError()) }
        // Sizes a damaged file might claim are checked before they can overflow.
        let shape = dimensions.compactMap { Int(exactly: $0) }
        var count = 1
        var overflow = shape.count != rank
        for size in shape where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: size) }
        guard !overflow, HDF5Library.fitsInMemory(count, of: MemoryLayout<Float>.size) else {
            throw failure("its shape \(dimensions) is too large")
        }
        // An empty ("null") dataspace has rank 0 like a scalar, but no element.
        guard Int(H5Sget_simple_extent_npoints(space)) == count else { throw failure("it has no value") }

        // Read straight into the array's fresh memory: a zero fill first would touch every page twice.
        var status: herr_t = 0
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                status = H5Dread(
                    dataset, vizrun_H5T_NATIVE_FLOAT(), vizrun_H5S_ALL(), vizrun_H5S_ALL(),
                    vizrun_H5P_DEFAULT(), buffer.baseAddress)
            }
            // On failure the values are garbage, but Float needs no deinitialisation and they are dropped.
            initialized = count
        }
        guard status >= 0 else { throw failure(HDF5Library.lastError()) }
        return Tensor(shape: shape, scalars: scalars)
    }
}
