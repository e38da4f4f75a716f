import Foundation

/// What reading a string attribute gave: its strings, or what is wrong with it (the end of the message).
enum AttributeStrings: Equatable {
    case strings([String])
    case problem(String)
}

/// What the probe's child read of a file (`HDF5File+Probe.swift`): the groups and datasets it
/// opened, and the string attributes of the groups, all by the address of their object header (one
/// object may be reached by several paths). The child sends them to the parent as bytes: the count
/// of objects and their addresses, then per attribute the address, the name and the outcome,
/// numbers little-endian and each string preceded by its length.
struct ProbedFile {
    private(set) var reachedObjects: Set<UInt64> = []
    private var byObject: [UInt64: [String: AttributeStrings]] = [:]
    /// Whether a child read the file and sent these: then an object or an attribute it did not
    /// list lies where libhdf5's own walk of the file does not reach, and is not read in-process
    /// either.
    private(set) var cameFromChild = false

    subscript(object: UInt64?, name: String) -> AttributeStrings? {
        object.flatMap { byObject[$0]?[name] }
    }

    mutating func recordReached(objectAt address: UInt64) {
        reachedObjects.insert(address)
    }

    mutating func record(_ outcome: AttributeStrings, of name: String, inObjectAt address: UInt64) {
        byObject[address, default: [:]][name] = outcome
    }

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        func put<Number: FixedWidthInteger>(_ number: Number) { withUnsafeBytes(of: number.littleEndian) { bytes += $0 } }
        func put(_ string: String) {
            put(UInt32(string.utf8.count))
            bytes += string.utf8
        }
        put(UInt32(reachedObjects.count))
        for address in reachedObjects { put(address) }
        for (address, attributes) in byObject {
            for (name, outcome) in attributes {
                put(address)
                put(name)
                switch outcome {
                case .strings(let strings):
                    put(UInt8(0))
                    put(UInt32(strings.count))
                    for string in strings { put(string) }
                case .problem(let problem):
                    put(UInt8(1))
                    put(problem)
                }
            }
        }
        return bytes
    }

    init() {}

    /// The attributes `encoded` held; nil if the bytes are not such a record (cut short).
    init?(decoding bytes: [UInt8]) {
        var offset = 0
        func take<Number: FixedWidthInteger>(_: Number.Type) -> Number? {
            let size = MemoryLayout<Number>.size
            guard bytes.count - offset >= size else { return nil }
            defer { offset += size }
            return bytes[offset..<(offset + size)].reversed().reduce(0) { $0 << 8 | Number($1) }
        }
        func takeString() -> String? {
            guard let length = take(UInt32.self).map(Int.init), bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }
        guard let objects = take(UInt32.self) else { return nil }
        for _ in 0..<objects {
            guard let address = take(UInt64.self) else { return nil }
            recordReached(objectAt: address)
        }
        while offset < bytes.count {
            guard let address = take(UInt64.self), let name = takeString(), let kind = take(UInt8.self) else { return nil }
            if kind == 0 {
                guard let count = take(UInt32.self) else { return nil }
                var strings: [String] = []
                for _ in 0..<count {
                    guard let string = takeString() else { return nil }
                    strings.append(string)
                }
                record(.strings(strings), of: name, inObjectAt: address)
            } else {
                guard let problem = takeString() else { return nil }
                record(.problem(problem), of: name, inObjectAt: address)
            }
        }
        cameFromChild = true
    }
}
