internal import CHDF5
import VizCore

/// String attributes, in every encoding h5py has written for Keras: scalar or 1-D, variable-length
/// or fixed-length (NUL-padded), ASCII or UTF-8.
extension HDF5Group {
    public func hasAttribute(_ name: String) -> Bool {
        H5Aexists(id, name) > 0
    }

    /// A single string (a scalar attribute, or a 1-D one of length 1), or nil if there is no such attribute.
    public func stringAttribute(_ name: String) throws -> String? {
        guard hasAttribute(name) else { return nil }
        let strings = try readStrings(attribute: name)
        guard strings.count == 1 else {
            throw VizError("attribute '\(name)' of \(path) holds \(strings.count) strings, expected one", at: file.path)
        }
        return strings[0]
    }

    /// A list of strings, or nil if there is no such attribute.
    ///
    /// Keras splits lists larger than an object header can hold into `NAME0`, `NAME1`, … (since
    /// Keras 2.1.5); those are read and joined. A zero-element attribute of any type is an empty
    /// list: Keras writes a layer without weights as `np.asarray([])`, a float64 array of shape (0,).
    public func stringListAttribute(_ name: String) throws -> [String]? {
        if hasAttribute(name) { return try readStrings(attribute: name) }
        guard hasAttribute("\(name)0") else { return nil }
        var strings: [String] = []
        var chunk = 0
        while hasAttribute("\(name)\(chunk)") {
            strings += try readStrings(attribute: "\(name)\(chunk)")
            chunk += 1
        }
        return strings
    }

    /// The strings of attribute `name`, as the probe's child read them (a damaged file's strings can
    /// overrun libhdf5's buffers: see `HDF5File+Probe.swift`); read here only when no child could
    /// run. An attribute the child's walk of the file did not reach is as unsafe to read as any.
    private func readStrings(attribute name: String) throws -> [String] {
        let probed = file.probed
        let outcome =
            probed[objectAddress, name]
            ?? (probed.cameFromChild
                ? .problem("libhdf5's walk of the file does not reach it, so the file is damaged or crafted")
                : stringsReadInProcess(attribute: name))
        switch outcome {
        case .strings(let strings): return strings
        case .problem(let problem): throw VizError("cannot read attribute '\(name)' of \(path): \(problem)", at: file.path)
        }
    }

    func stringsReadInProcess(attribute name: String) -> AttributeStrings {
        let attribute = H5Aopen(id, name, vizrun_H5P_DEFAULT())
        guard attribute >= 0 else { return .problem(HDF5Library.lastError()) }
        defer { H5Aclose(attribute) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { return .problem(HDF5Library.lastError()) }
        defer { H5Sclose(space) }
        let fileType = H5Aget_type(attribute)
        guard fileType >= 0 else { return .problem(HDF5Library.lastError()) }
        defer { H5Tclose(fileType) }

        let count = Int(H5Sget_simple_extent_npoints(space))
        if count == 0 { return .strings([]) }
        guard count > 0 else { return .problem(HDF5Library.lastError()) }
        guard HDF5Library.fitsInMemory(count, of: MemoryLayout<UnsafeMutablePointer<CChar>>.size) else {
            return .problem("it claims \(count) strings, more than this machine's memory holds")
        }
        guard H5Tget_class(fileType) == H5T_STRING else { return .problem("it does not hold text") }

        // Read in the file's character set so UTF-8 text is not refused as invalid ASCII.
        let memoryType = H5Tcopy(vizrun_H5T_C_S1())
        defer { H5Tclose(memoryType) }
        H5Tset_cset(memoryType, H5Tget_cset(fileType))

        if H5Tis_variable_str(fileType) > 0 {
            H5Tset_size(memoryType, vizrun_H5T_VARIABLE())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memoryType, &pointers) >= 0 else { return .problem(HDF5Library.lastError()) }
            // libhdf5 allocated each string; H5free_memory (unlike the 1.10-only H5Dvlen_reclaim)
            // exists in every version from 1.8.13 on.
            defer { for pointer in pointers { H5free_memory(pointer) } }
            return .strings(pointers.map { $0.map { String(cString: $0) } ?? "" })
        }

        let width = H5Tget_size(fileType)
        guard width > 0 else { return .problem(HDF5Library.lastError()) }
        guard HDF5Library.fitsInMemory(count, of: width) else {
            return .problem("it claims \(count) strings of \(width) bytes, more than this machine's memory holds")
        }
        H5Tset_size(memoryType, width)
        H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(attribute, memoryType, &bytes) >= 0 else { return .problem(HDF5Library.lastError()) }
        return .strings(
            (0..<count).map { index in
                let padded = bytes[(index * width)..<((index + 1) * width)]
                return String(decoding: padded.prefix { $0 != 0 }, as: UTF8.self)
            })
    }
}
