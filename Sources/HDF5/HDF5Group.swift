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

    /// Whether a link exists at `relativePath` (which may contain `/`); true also for a path through
    /// an object the probe's child did not reach, so that opening it gives the reason it cannot be.
    public func contains(_ relativePath: String) -> Bool {
        if case .missing = link(relativePath) { return false }
        return true
    }

    /// The group at `relativePath` (which may contain `/`).
    public func group(_ relativePath: String) throws -> HDF5Group {
        let fullPath = memberPath(relativePath)
        guard try openable(relativePath) else { throw VizError("no group \(fullPath)", at: file.path) }
        let group = H5Gopen2(id, relativePath, vizrun_H5P_DEFAULT())
        guard group >= 0 else {
            throw VizError("cannot open group \(fullPath) (\(HDF5Library.lastError()))", at: file.path)
        }
        return HDF5Group(file: file, id: group, path: fullPath)
    }

    /// Whether there is an object at `relativePath`; throws if it, or a group on the way, is one
    /// the probe's child did not reach or lies in another file.
    func openable(_ relativePath: String) throws -> Bool {
        switch link(relativePath) {
        case .missing: return false
        case .reached: return true
        case .unreached(let prefix):
            throw VizError(
                "cannot open \(memberPath(prefix)): libhdf5's walk of the file does not reach it, so the file is "
                    + "damaged or crafted", at: file.path)
        case .external(let prefix):
            throw VizError(
                "cannot open \(memberPath(prefix)): it is a link to another file, which vizrun does not follow (a "
                    + "model file must not make vizrun read other files)", at: file.path)
        }
    }

    private enum Link {
        case missing
        case reached
        /// At the object at this path, which the probe's child did not reach: opening it could make
        /// libhdf5 allocate what a damaged header says (`HDF5File+Probe.swift`), and looking inside
        /// means opening it.
        case unreached(String)
        /// At this path, a link into another file (or of a kind libhdf5 leaves to a plugin).
        case external(String)
    }

    /// Followed one component at a time, because `H5Lexists` fails, rather than answering false,
    /// when an intermediate group is missing, and because each step opens the object before it.
    /// A soft link is followed to what it names, at most as many times as libhdf5 itself would.
    private func link(_ relativePath: String, softLinksFollowed: Int = 0) -> Link {
        var prefix = ""
        for component in relativePath.split(separator: "/", omittingEmptySubsequences: true) {
            let group = prefix
            prefix += prefix.isEmpty ? String(component) : "/" + component
            guard H5Lexists(id, prefix, vizrun_H5P_DEFAULT()) > 0 else { return .missing }
            var info = H5L_info_t()
            guard H5Lget_info(id, prefix, &info, vizrun_H5P_DEFAULT()) >= 0 else { return .unreached(prefix) }
            switch info.type {
            case H5L_TYPE_HARD:
                guard !file.probed.cameFromChild || file.probed.reachedObjects.contains(UInt64(info.u.address)) else {
                    return .unreached(prefix)
                }
            case H5L_TYPE_SOFT:
                guard softLinksFollowed < Self.softLinksFollowedAtMost, let target = softLinkTarget(prefix, size: info.u.val_size)
                else {
                    return .unreached(prefix)
                }
                let resolved: Link
                if target.hasPrefix("/") {
                    guard let root = try? file.root() else { return .unreached(prefix) }
                    resolved = root.link(target, softLinksFollowed: softLinksFollowed + 1)
                } else {
                    resolved = link(group.isEmpty ? target : group + "/" + target, softLinksFollowed: softLinksFollowed + 1)
                }
                guard case .reached = resolved else { return resolved }
            default:
                return .external(prefix)
            }
        }
        return prefix.isEmpty ? .missing : .reached
    }

    /// libhdf5's default for a link access list (`H5Pset_nlinks`).
    private static let softLinksFollowedAtMost = 16

    /// The path a soft link names, whose value takes `size` bytes (a path, so no more than a page).
    private func softLinkTarget(_ path: String, size: Int) -> String? {
        guard (1...4096).contains(size) else { return nil }
        var value = [CChar](repeating: 0, count: size + 1)
        guard H5Lget_val(id, path, &value, size, vizrun_H5P_DEFAULT()) >= 0 else { return nil }
        return String(cString: value)
    }

    /// The absolute path of a member, for messages.
    public func memberPath(_ relativePath: String) -> String {
        path.hasSuffix("/") ? path + relativePath : path + "/" + relativePath
    }
}
