internal import CDNNL
import Foundation

/// The process-wide oneDNN CPU engine and stream, and thin owners of oneDNN handles.
///
/// Everything C stays inside the Compute folder: ops see Swift types and pointers only.
enum DNNL {
    /// Engine and stream, created on first use (a `static let` is initialised once, thread-safely).
    struct Context: @unchecked Sendable {
        let engine: dnnl_engine_t
        let stream: dnnl_stream_t
    }

    static let context: Context = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine creation")
        var stream: dnnl_stream_t?
        check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream creation")
        return Context(engine: engine!, stream: stream!)
    }()

    /// Serialises executions on the shared stream (oneDNN's own threads do the parallel work).
    static let executionLock = NSLock()

    /// `DNNL_MEMORY_ALLOCATE`: lets oneDNN allocate a memory object's buffer.
    static let allocate = UnsafeMutableRawPointer(bitPattern: UInt.max)

    /// Any failure outside primitive creation is a programming error.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN \(what()) failed with status \(status.rawValue)")
    }

    /// A float memory descriptor for `dims` (logical order) laid out as `tag`.
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims = dims.map { dnnl_dim_t($0) }
        check(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims, dnnl_f32, tag), "memory descriptor \(dims)")
        return md
    }

    /// The descriptor of a rank-4 NHWC `shape` stored as `layout`.
    static func descriptor(_ shape: [Int], _ layout: TensorLayout) -> dnnl_memory_desc_t {
        let dims = [shape[0], shape[3], shape[1], shape[2]]
        switch layout {
        case .standard: return descriptor(dims, dnnl_nhwc)
        case .channelBlocks(8): return descriptor(dims, dnnl_nChw8c)
        case .channelBlocks(16): return descriptor(dims, dnnl_nChw16c)
        case .channelBlocks(let block): preconditionFailure("oneDNN has no \(block)-channel block tag")
        }
    }

    /// The tensor layout `md` (a rank-4 activation of NHWC `shape`) is, when vizrun has one for it.
    static func layout(of md: dnnl_memory_desc_t, _ shape: [Int]) -> TensorLayout? {
        [TensorLayout.standard, .channelBlocks(8), .channelBlocks(16)].first {
            Tensor.canHold(shape, in: $0) && equal(md, descriptor(shape, $0))
        }
    }

    /// `md` over `images` images instead of its own, or nil unless its images lie one after
    /// another (the batch axis outermost and in no block), so that a slice of images is a range.
    static func batched(_ md: dnnl_memory_desc_t, _ images: Int) -> dnnl_memory_desc_t? {
        guard md.format_kind == dnnl_blocked, md.offset0 == 0 else { return nil }
        let blocking = md.format_desc.blocking
        let blocksBatch = withUnsafeBytes(of: blocking.inner_idxs) {
            $0.bindMemory(to: dnnl_dim_t.self).prefix(Int(blocking.inner_nblks)).contains(0)
        }
        guard !blocksBatch, Int(md.padded_dims.0 * blocking.strides.0) * 4 == size(md) else { return nil }
        var md = md
        md.dims.0 = dnnl_dim_t(images)
        md.padded_dims.0 = dnnl_dim_t(images)
        return md
    }

    static func size(_ md: dnnl_memory_desc_t) -> Int {
        var md = md
        return dnnl_memory_desc_get_size(&md)
    }

    /// Copies `count` bytes' worth of data from `source` laid out as `from` to `target` laid out as `to`.
    static func reorder(
        _ source: UnsafeRawPointer, _ from: dnnl_memory_desc_t,
        into target: UnsafeMutableRawPointer, _ to: dnnl_memory_desc_t
    ) {
        DNNLPrimitive(reorderFrom: from, to: to).execute(
            [
                (DNNL_ARG_FROM, DNNLMemory(from, UnsafeMutableRawPointer(mutating: source))),
                (DNNL_ARG_TO, DNNLMemory(to, target)),
            ], "reorder")
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a
        var b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// Primitive attributes every primitive is created with: the scratchpad the caller's (one for
    /// every primitive, `execute`). oneDNN's own scratchpad is kept per thread and counted by the
    /// primitives created and destroyed there, and vizrun's primitives are created, run and
    /// destroyed on whatever thread a dispatch queue or a task lands on: a primitive whose
    /// scratchpad the library freed on another thread read a null pointer (Winograd's, in the
    /// server's tests).
    static func withAttributes(_ body: (dnnl_primitive_attr_t?) -> dnnl_status_t) -> dnnl_status_t {
        var attributes: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&attributes), "primitive attributes creation")
        defer { dnnl_primitive_attr_destroy(attributes) }
        check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "scratchpad mode")
        return body(attributes)
    }

    /// The scratchpad every primitive runs with, as large as the largest one has needed so far:
    /// executions are serialised, so one is enough. Touched only under `executionLock`.
    nonisolated(unsafe) private static var scratchpad: (bytes: Int, buffer: UnsafeMutableRawPointer)?

    /// Runs `primitive` on the shared stream and waits for it; `scratchpad`, the room it asked for.
    static func execute(
        _ primitive: dnnl_primitive_t, _ arguments: [(Int32, DNNLMemory)], scratchpad needed: dnnl_memory_desc_t? = nil,
        _ what: String
    ) {
        let context = self.context
        executionLock.lock()
        defer { executionLock.unlock() }
        var arguments = arguments
        if let needed {
            let bytes = size(needed)
            if bytes > (scratchpad?.bytes ?? 0) {
                scratchpad.map { free($0.buffer) }
                // 64-byte alignment, as oneDNN's own allocations have.
                guard let buffer = aligned_alloc(64, (bytes + 63) / 64 * 64) else {
                    preconditionFailure("oneDNN \(what): cannot allocate a \(bytes)-byte scratchpad")
                }
                scratchpad = (bytes, buffer)
            }
            arguments.append((DNNL_ARG_SCRATCHPAD, DNNLMemory(needed, scratchpad!.buffer)))
        }
        let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        check(dnnl_primitive_execute(primitive, context.stream, Int32(args.count), args), "\(what) execution")
        check(dnnl_stream_wait(context.stream), "\(what) stream wait")
    }
}

/// A oneDNN memory object: over a caller's buffer, or over one oneDNN allocated (`DNNL.allocate`).
final class DNNLMemory {
    let handle: dnnl_memory_t

    init(_ descriptor: dnnl_memory_desc_t, _ data: UnsafeMutableRawPointer?) {
        var md = descriptor
        var memory: dnnl_memory_t?
        DNNL.check(dnnl_memory_create(&memory, &md, DNNL.context.engine, data), "memory creation")
        handle = memory!
    }

    convenience init(_ descriptor: dnnl_memory_desc_t, _ data: UnsafePointer<Float>) {
        self.init(descriptor, UnsafeMutableRawPointer(mutating: data))
    }

    deinit { dnnl_memory_destroy(handle) }
}

/// A primitive and its descriptor.
final class DNNLPrimitive {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t

    /// Nil when oneDNN has no implementation for the operation (an unusual shape, or post-ops it
    /// cannot fuse there): callers fall back.
    init?(operation: UnsafeRawPointer, hint: DNNLPrimitive? = nil, epilogue: ConvolutionEpilogue = .none) {
        var pd: dnnl_primitive_desc_t?
        let created = epilogue.withAttributes { attributes in
            dnnl_primitive_desc_create(&pd, operation, attributes, DNNL.context.engine, hint?.descriptor)
        }
        guard created == dnnl_success, let pd else { return nil }
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(pd)
            return nil
        }
        descriptor = pd
        self.primitive = primitive
        scratchpad = Self.scratchpad(of: pd)
    }

    /// A reorder from `source` to `target` layout.
    init(reorderFrom source: dnnl_memory_desc_t, to target: dnnl_memory_desc_t) {
        var source = source
        var target = target
        var pd: dnnl_primitive_desc_t?
        let engine = DNNL.context.engine
        DNNL.check(
            DNNL.withAttributes { dnnl_reorder_primitive_desc_create(&pd, &source, engine, &target, engine, $0) },
            "reorder creation")
        var primitive: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&primitive, pd), "reorder primitive creation")
        descriptor = pd!
        self.primitive = primitive!
        scratchpad = Self.scratchpad(of: pd!)
    }

    /// The scratchpad the primitive needs; nil when it needs none.
    private let scratchpad: dnnl_memory_desc_t?

    var scratchpadBytes: Int { scratchpad.map(DNNL.size) ?? 0 }

    private static func scratchpad(of descriptor: dnnl_primitive_desc_t) -> dnnl_memory_desc_t? {
        guard let md = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0), DNNL.size(md.pointee) > 0
        else { return nil }
        return md.pointee
    }

    /// The memory descriptor the primitive settled on for `query` (e.g. weights under `format_tag_any`).
    func memoryDescriptor(_ query: dnnl_query_t) -> dnnl_memory_desc_t {
        guard let md = dnnl_primitive_desc_query_md(descriptor, query, 0) else {
            preconditionFailure("oneDNN primitive has no memory descriptor for query \(query.rawValue)")
        }
        return md.pointee
    }

    /// oneDNN's name for the implementation it picked, e.g. `jit:avx2`.
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success,
            let name
        else { return "?" }
        return String(cString: name)
    }

    func execute(_ arguments: [(Int32, DNNLMemory)], _ what: String) {
        DNNL.execute(primitive, arguments, scratchpad: scratchpad, what)
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }
}
