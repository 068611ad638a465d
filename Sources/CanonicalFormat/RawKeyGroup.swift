import Foundation

/// One key group's entries as canonical bytes: for each entry the state's index in the
/// serialization proxy, the canonical key (key-group prefix without the flag bit, key, namespace,
/// map user key) and the canonical value (a list's elements joined by 0x2C).
///
/// What a conversion moves between forms. Every entry's key and value sit back to back in one
/// buffer and an entry is a plain 24-byte slot, so a key group costs two growing allocations
/// instead of two per entry, and sorting moves slots and compares bytes in place (no reference
/// counting inside the comparisons, which dominated converting a heap savepoint of 16 M entries).
/// Readers refill one instance per key group (`reset`) to reuse its capacity.
public struct RawKeyGroup {
    /// Where one entry lives in `bytes`: the key at `start`, the value right after it.
    public struct Slot: Sendable {
        public var stateIndex: Int32
        public var keyCount: Int32
        public var start: Int
        public var valueCount: Int

        var valueStart: Int { start + Int(keyCount) }
    }

    public private(set) var keyGroup: Int
    public private(set) var bytes: [UInt8] = []
    public private(set) var slots: [Slot] = []

    public init(keyGroup: Int = 0) {
        self.keyGroup = keyGroup
    }

    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.isEmpty }
    /// Key and value bytes held (what the key group costs in memory, besides 24 bytes per entry).
    public var byteCount: Int { bytes.count }

    /// Empties the key group for reuse, keeping its capacity.
    public mutating func reset(keyGroup: Int) {
        self.keyGroup = keyGroup
        bytes.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
    }

    /// Appends an entry whose key is the key group's prefix (`keyGroupPrefixBytes` big-endian
    /// bytes, the canonical form) followed by `keyAfterPrefix`.
    public mutating func append(stateIndex: Int, keyGroupPrefixBytes: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>,
                                value: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        if keyGroupPrefixBytes == 2 { bytes.append(UInt8(truncatingIfNeeded: keyGroup >> 8)) }
        bytes.append(UInt8(truncatingIfNeeded: keyGroup))
        bytes.append(contentsOf: keyAfterPrefix)
        bytes.append(contentsOf: value)
        slots.append(Slot(stateIndex: Int32(truncatingIfNeeded: stateIndex),
                          keyCount: Int32(truncatingIfNeeded: keyGroupPrefixBytes + keyAfterPrefix.count),
                          start: start, valueCount: value.count))
    }

    /// Appends an entry whose canonical key is given whole.
    public mutating func append(stateIndex: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: key)
        bytes.append(contentsOf: value)
        slots.append(Slot(stateIndex: Int32(truncatingIfNeeded: stateIndex), keyCount: Int32(truncatingIfNeeded: key.count),
                          start: start, valueCount: value.count))
    }

    public mutating func append(stateIndex: Int, key: [UInt8], value: [UInt8]) {
        key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { v in append(stateIndex: stateIndex, key: k, value: v) } }
    }

    /// Calls `body` with every entry in slot order. The buffers are valid only during the call.
    public func forEach(
        _ body: (_ stateIndex: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try bytes.withUnsafeBufferPointer { b in
            for s in slots {
                try body(Int(s.stateIndex), UnsafeBufferPointer(rebasing: b[s.start..<s.valueStart]),
                         UnsafeBufferPointer(rebasing: b[s.valueStart..<(s.valueStart + s.valueCount)]))
            }
        }
    }

    /// Entry `i` as arrays (tests and error messages; copies).
    public func entry(_ i: Int) -> (stateIndex: Int, key: [UInt8], value: [UInt8]) {
        let s = slots[i]
        return (Int(s.stateIndex), Array(bytes[s.start..<s.valueStart]), Array(bytes[s.valueStart..<(s.valueStart + s.valueCount)]))
    }

    // MARK: order

    /// The order every writer wants inside a key group: by state, then unsigned bytewise by key
    /// (RocksDB's order, and the order Flink's RocksDB backend writes canonical savepoints in).
    public var isInCanonicalOrder: Bool {
        bytes.withUnsafeBufferPointer { b in
            slots.indices.dropFirst().allSatisfy { !Self.precedes(slots[$0], slots[$0 - 1], in: b) }
        }
    }

    /// Sorts the entries into canonical order; a no-op (one linear check) when they already are,
    /// as in every stream written by the RocksDB backend. The heap backend writes hash order.
    public mutating func sortIntoCanonicalOrder() {
        guard !isInCanonicalOrder else { return }
        let b = bytes
        b.withUnsafeBufferPointer { b in slots.sort { Self.precedes($0, $1, in: b) } }
    }

    static func precedes(_ a: Slot, _ b: Slot, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.stateIndex != b.stateIndex { return a.stateIndex < b.stateIndex }
        let common = Int(min(a.keyCount, b.keyCount))
        let c = common == 0 ? 0 : memcmp(buffer.baseAddress! + a.start, buffer.baseAddress! + b.start, common)
        return c != 0 ? c < 0 : a.keyCount < b.keyCount
    }
}
