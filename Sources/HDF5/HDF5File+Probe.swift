internal import CHDF5
import Foundation
import VizCore

/// libhdf5 1.10 trusts a damaged file in places vizrun cannot reach from Swift (found by the fuzz
/// targets, Docs/fuzzing.md): reading a variable-length string attribute of one can crash
/// (SIGSEGV), loop forever, or copy more of the file's global heap than the string's buffer holds,
/// which may crash only later and only in some runs; opening an object can allocate its header's
/// size, read from the file, before checking it against the file's end. vizrun cannot mend the library, so before a file is
/// read in-process a child process opens every group and dataset libhdf5's walk of the file reaches,
/// reads every string attribute of the groups and every dataset as the loaders do (within
/// `floatDataset`'s size checks), and sends back what it reached and the attributes' strings. The
/// parent then never opens an object the child did not reach, nor reads a string attribute itself,
/// and refuses the file with one line if the child does not end normally or outlasts its deadline.
extension HDF5File {
    /// Far beyond what reading the attributes of any real file takes (milliseconds, even for the
    /// largest Keras applications), and within the 10 s the fuzz targets allow an input; the
    /// datasets add a second per `probeBytesPerSecond` of file.
    static let probeDeadline: TimeInterval = 5
    /// A tenth of what reading an uncompressed file from a slow disk gives, so only a stuck
    /// library reaches the deadline.
    static let probeBytesPerSecond: hsize_t = 50_000_000
    /// The memory the child may take beyond what it starts with, besides twice the file's size (one
    /// dataset read at a time, converted to Float): a damaged file can make libhdf5 allocate without
    /// end (the campaign of Docs/fuzzing.md found one whose walk took 7.6 GB in 5 s).
    static let probeMemory: UInt64 = 1 << 30

    /// The string attributes as the child read them; none (and every read in-process) when there
    /// is no process to spare.
    func probeInChildProcess() throws -> ProbedFile {
        var size: hsize_t = 0
        _ = H5Fget_filesize(id, &size)
        let deadline = Self.probeDeadline + TimeInterval(size / Self.probeBytesPerSecond)
        var channel: [Int32] = [-1, -1]
        guard pipe(&channel) == 0 else { return ProbedFile() }
        let (reading, writing) = (channel[0], channel[1])
        let child = fork()
        guard child >= 0 else {
            close(reading)
            close(writing)
            return ProbedFile()
        }
        if child == 0 {
            // Quietly, and at once: the parent's one line says what happened, so the child prints no
            // crash report of its own and runs no backtracer.
            close(reading)
            let null = open("/dev/null", O_WRONLY)
            dup2(null, STDOUT_FILENO)
            dup2(null, STDERR_FILENO)
            for number in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT] { signal(number, SIG_DFL) }
            vizrun_forget_sanitizer_death_callback()
            Self.limitAddressSpace(growth: Self.probeMemory + 2 * UInt64(size))
            send(readEverything().encoded, to: writing)
            _exit(0)
        }
        close(writing)
        defer { close(reading) }
        // Read while waiting: the child blocks once the pipe is full.
        _ = fcntl(reading, F_SETFL, fcntl(reading, F_GETFL) | O_NONBLOCK)
        var received: [UInt8] = []
        let start = Date()
        var status: Int32 = 0
        while true {
            receive(from: reading, into: &received)
            let waited = waitpid(child, &status, WNOHANG)
            if waited == child { break }
            // A child that cannot be waited for (already reaped elsewhere) tells nothing: read in-process.
            if waited < 0 && errno != EINTR { return ProbedFile() }
            guard Date().timeIntervalSince(start) < deadline else {
                kill(child, SIGKILL)
                waitpid(child, &status, 0)
                throw VizError(
                    "libhdf5 did not finish reading the file's attributes and datasets in \(Int(deadline)) s; the file "
                        + "is damaged or crafted, so vizrun does not load it", at: path)
            }
            usleep(500)
        }
        // The child ends with _exit(0); a signal, or a sanitizer's exit status, means libhdf5 failed in it.
        guard status == 0 else {
            let number = status & 0x7F
            let ending = number != 0 ? "crashed (\(String(cString: strsignal(number))))" : "failed (exit status \(status >> 8))"
            throw VizError(
                "libhdf5 \(ending) reading the file's attributes and datasets; the file is damaged or crafted, so "
                    + "vizrun does not load it", at: path)
        }
        receive(from: reading, into: &received)
        return ProbedFile(decoding: received) ?? ProbedFile()
    }

    /// In the child: lets its address space grow by `growth` bytes at most, so that an allocation
    /// past it fails (and the child with it) instead of taking the machine's memory.
    private static func limitAddressSpace(growth: UInt64) {
        // The size now, in pages: /proc/self/statm's first field, read without Foundation.
        let statm = open("/proc/self/statm", O_RDONLY)
        guard statm >= 0 else { return }
        var text = [UInt8](repeating: 0, count: 128)
        let count = read(statm, &text, text.count - 1)
        close(statm)
        guard count > 0, let pages = UInt64(String(decoding: text[..<count].prefix { $0 != 0x20 }, as: UTF8.self)) else {
            return
        }
        let bytes = pages * UInt64(sysconf(Int32(_SC_PAGESIZE))) + growth
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    }

    /// In the child: every group and dataset libhdf5's walk of the file reaches, opened as the
    /// loaders open them; the string attributes of each group; then every dataset's numbers, one
    /// dataset at a time (each array is dropped before the next is read).
    private func readEverything() -> ProbedFile {
        var probed = ProbedFile()
        guard let root = try? root() else { return probed }
        let objects = walk()
        for (name, address, _) in objects {
            let object = H5Oopen(root.id, name, vizrun_H5P_DEFAULT())
            guard object >= 0 else { continue }
            H5Oclose(object)
            probed.recordReached(objectAt: address)
        }
        for (name, address, type) in objects where type == H5O_TYPE_GROUP {
            guard let group = name == "." ? root : try? root.group(name) else { continue }
            for attribute in group.attributeNames() {
                probed.record(group.stringsReadInProcess(attribute: attribute), of: attribute, inObjectAt: address)
            }
        }
        for (name, _, type) in objects where type == H5O_TYPE_DATASET { _ = try? root.floatDataset(name) }
        return probed
    }

    /// The path from the root (`.` for the root itself), the object header's address and the type
    /// of every object libhdf5's walk of the file reaches.
    private func walk() -> [(name: String, address: UInt64, type: H5O_type_t)] {
        var objects: [(name: String, address: UInt64, type: H5O_type_t)] = []
        withUnsafeMutablePointer(to: &objects) { list in
            _ = H5Ovisit2(
                id, H5_INDEX_NAME, H5_ITER_NATIVE,
                { _, name, info, list in
                    typealias Objects = [(name: String, address: UInt64, type: H5O_type_t)]
                    if let name, let info {
                        list!.assumingMemoryBound(to: Objects.self).pointee.append(
                            (String(cString: name), UInt64(info.pointee.addr), info.pointee.type))
                    }
                    return 0
                }, list, UInt32(H5O_INFO_BASIC))
        }
        return objects
    }

    /// In the child: all of `bytes` into the pipe.
    private func send(_ bytes: [UInt8], to pipe: Int32) {
        var sent = 0
        while sent < bytes.count {
            let written = bytes.withUnsafeBytes { write(pipe, $0.baseAddress! + sent, bytes.count - sent) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            sent += written
        }
    }

    /// In the parent: what the pipe holds now.
    private func receive(from pipe: Int32, into received: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(pipe, &buffer, buffer.count)
            guard count > 0 else { return }
            received += buffer[0..<count]
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

    /// The address of the group's object header, which the probe's child keys attributes by.
    var objectAddress: UInt64? {
        var info = H5O_info_t()
        guard H5Oget_info2(id, &info, UInt32(H5O_INFO_BASIC)) >= 0 else { return nil }
        return UInt64(info.addr)
    }
}
