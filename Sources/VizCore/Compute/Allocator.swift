internal import CDNNL

/// How the process's allocator treats the engine's large, short-lived buffers.
public enum Allocator {
    /// Makes freed tensor buffers available to the next allocation instead of returning them to the
    /// kernel.
    ///
    /// A batch of activations is tens of MB, above the largest mmap threshold glibc accepts (32 MB),
    /// so by default each one is a fresh mapping whose pages the kernel zero-fills on first touch:
    /// about a sixth of a gradient-ascent step went to page faults. With mappings off and trimming
    /// deferred, a step reuses the heap the previous step freed. Peak memory is unchanged; the
    /// heap just does not shrink between steps.
    ///
    /// One arena: the command's work runs on a Swift concurrency thread, whose own arena's heaps
    /// hold at most 64 MB, and glibc maps anything larger there afresh whatever `M_MMAP_MAX` says
    /// (a Lucid-style ascent step of 8 images at 224×224 faulted in about 1 GB that way).
    public static func reuseFreedBuffers() {
        #if os(Linux)
            mallopt(M_ARENA_MAX, 1)
            mallopt(M_MMAP_MAX, 0)
            mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}
