internal import CHDF5
import Foundation
import VizCore

/// libhdf5 1.10 trusts a damaged file's global heap: reading a variable-length string attribute of
/// one can crash (SIGSEGV) or loop forever (found by the HDF5Model fuzz target, Docs/fuzzing.md).
/// vizrun cannot mend the library, so before a file is read in-process a child process reads every
/// attribute of every group as `stringListAttribute` does, and the file is refused with one line if
/// the child does not end normally or outlasts `probeDeadline`.
extension HDF5File {
    /// Far beyond what reading the attributes of any real file takes (milliseconds, even for the
    /// largest Keras applications), and within the 10 s the fuzz targets allow an input.
    static let probeDeadline: TimeInterval = 5

    func probeInChildProcess() throws {
        let child = fork()
        // Without a process to spare, the file is read in-process as it would be without the probe.
        guard child >= 0 else { return }
        if child == 0 {
            // Quietly, and at once: the parent's one line says what happened, so the child prints no
            // crash report of its own and runs no backtracer.
            let null = open("/dev/null", O_WRONLY)
            dup2(null, STDOUT_FILENO)
            dup2(null, STDERR_FILENO)
            for number in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT] { signal(number, SIG_DFL) }
            readEveryAttribute()
            _exit(0)
        }
        let start = Date()
        var status: Int32 = 0
        while true {
            let waited = waitpid(child, &status, WNOHANG)
            if waited == child { break }
            // A child that cannot be waited for (already reaped elsewhere) tells nothing: read in-process.
            if waited < 0 && errno != EINTR { return }
            guard Date().timeIntervalSince(start) < Self.probeDeadline else {
                kill(child, SIGKILL)
                waitpid(child, &status, 0)
                throw VizError(
                    "libhdf5 did not finish reading the file's attributes in \(Int(Self.probeDeadline)) s; the file is "
                        + "damaged or crafted, so vizrun does not load it", at: path)
            }
            usleep(500)
        }
        // The child ends with _exit(0); a signal, or a sanitizer's exit status, means libhdf5 failed in it.
        guard status == 0 else {
            let number = status & 0x7F
            let ending = number != 0 ? "crashed (\(String(cString: strsignal(number))))" : "failed (exit status \(status >> 8))"
            throw VizError(
                "libhdf5 \(ending) reading the file's attributes; the file is damaged or crafted, so vizrun does not load it",
                at: path)
        }
    }

    /// In the child: the attributes of the root and of every group below it.
    private func readEveryAttribute() {
        guard let root = try? root() else { return }
        var groups: [String] = []
        withUnsafeMutablePointer(to: &groups) { list in
            _ = H5Ovisit2(
                id, H5_INDEX_NAME, H5_ITER_NATIVE,
                { _, name, info, list in
                    if let name, info?.pointee.type == H5O_TYPE_GROUP {
                        list!.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    }
                    return 0
                }, list, UInt32(H5O_INFO_BASIC))
        }
        for name in groups {
            guard let group = name == "." ? root : try? root.group(name) else { continue }
            for attribute in group.attributeNames() { _ = try? group.stringListAttribute(attribute) }
        }
    }
}

extension HDF5Group {
    /// The names of the group's attributes.
    func attributeNames() -> [String] {
        var names: [String] = []
        withUnsafeMutablePointer(to: &names) { list in
            _ = H5Aiterate2(
                id, H5_INDEX_NAME, H5_ITER_NATIVE, nil,
                { _, name, _, list in
                    if let name { list!.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name)) }
                    return 0
                }, list)
        }
        return names
    }
}
