import Bytes
import Foundation

/// One key group's entries as canonical bytes: for each entry the state's index in the
/// serialization proxy, the canonical key (key-group prefix without the flag bit, key, namespace,
/// map user key) and the canonical value (a list's elements joined by 0x2C).
///
/// What a conversion moves between forms. Entries sit back to back in one buffer, each already in
/// the canonical stream's encoding (`u32 key length ‖ key ‖ u32 value length ‖ value`, big-endian),
/// and an entry is a plain 24-byte slot: a key group costs two growing allocations instead of two
/// per entry, sorting moves slots and compares bytes in place (no reference counting inside the
/// comparisons, which dominated converting a heap savepoint of 16 M entries), and a canonical
/// writer copies each run of one state's entries in one piece when they were appended in order.
/// Readers refill one instance per key group (`reset`) to reuse its capacity.
public struct RawKeyGroup {
    /// Where one entry lives in `storage`: the key at `start` (its length field just before), the
    /// value's length field right after the key, then the value.
    public struct Slot: Sendable {
        public var stateIndex: Int32
        public var keyCount: Int32
        public var start: Int
        public var valueCount: Int

        public var valueStart: Int { start + Int(keyCount) + 4 }
        /// The entry's encoding: both length fields, key and value.
        var encoded: Range<Int> { (start - 4)..<(valueStart + valueCount) }
    }

    public private(set) var keyGroup: Int
    /// The entries' encodings back to back in `storage[0..<encodedCount]`, in slot order (sorting
    /// gathers them again); the rest is spare capacity. Each run of one state's entries is one
    /// contiguous range.
    private(set) var storage: [UInt8] = []
    /// Where sorting gathers the entries into their new order (then swapped with `storage`; both
    /// keep their capacity from key group to key group).
    private var gathered: [UInt8] = []
    public private(set) var encodedCount = 0
    public private(set) var slots: [Slot] = []
    /// The first entry a canonical stream cannot carry: an empty key, a key whose first byte has
    /// the flag bit, or a state index beyond the stream's 16-bit ids. Writers refuse the group.
    private(set) var firstUnwritable: Int?

    public init(keyGroup: Int = 0) {
        self.keyGroup = keyGroup
    }

    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.isEmpty }
    /// Bytes held (what the key group costs in memory, besides 24 bytes per entry): keys and
    /// values with their 4-byte length fields.
    public var byteCount: Int { encodedCount }

    /// Empties the key group for reuse, keeping its capacity.
    public mutating func reset(keyGroup: Int) {
        self.keyGroup = keyGroup
        encodedCount = 0
        slots.removeAll(keepingCapacity: true)
        firstUnwritable = nil
    }

    /// Appends an entry whose key is the key group's prefix (`keyGroupPrefixBytes` big-endian
    /// bytes, the canonical form) followed by `keyAfterPrefix`.
    public mutating func append(stateIndex: Int, keyGroupPrefixBytes: Int, keyAfterPrefix: UnsafeBufferPointer<UInt8>,
                                value: UnsafeBufferPointer<UInt8>) {
        appendEntry(stateIndex: stateIndex, prefixBytes: keyGroupPrefixBytes == 2 ? 2 : 1, key: keyAfterPrefix, value: value)
    }

    /// Appends an entry whose canonical key is given whole.
    public mutating func append(stateIndex: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        appendEntry(stateIndex: stateIndex, prefixBytes: 0, key: key, value: value)
    }

    public mutating func append(stateIndex: Int, key: [UInt8], value: [UInt8]) {
        key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { v in append(stateIndex: stateIndex, key: k, value: v) } }
    }

    /// Appends `other`'s entries `entries` (slot indexes) as they are, in one copy of their bytes
    /// (a stage passing a run of one state's entries on).
    public mutating func append(contentsOf other: RawKeyGroup, entries: Range<Int>) {
        guard !entries.isEmpty else { return }
        let bytes = other.slots[entries.lowerBound].encoded.lowerBound..<other.slots[entries.upperBound - 1].encoded.upperBound
        let at = encodedCount, end = at + bytes.count
        if storage.count < end { grow(to: end) }
        storage.withUnsafeMutableBufferPointer { b in
            other.storage.withUnsafeBufferPointer { o in
                (b.baseAddress! + at).update(from: o.baseAddress! + bytes.lowerBound, count: bytes.count)
            }
        }
        if firstUnwritable == nil, let bad = other.firstUnwritable, entries.contains(bad) {
            firstUnwritable = slots.count + bad - entries.lowerBound
        }
        let shift = at - bytes.lowerBound
        for var s in other.slots[entries] {
            s.start += shift
            slots.append(s)
        }
        encodedCount = end
    }

    /// Appends an entry whose value is `value` with `insert` put after its first `keep` bytes and
    /// the `drop` bytes after those left out: a value spliced as it is copied (a TTL timestamp or a
    /// null flag put in front of a value, or taken away). `value` must hold `keep + drop` bytes.
    public mutating func append(stateIndex: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
                                keep: Int, insert: UnsafeBufferPointer<UInt8>, drop: Int) {
        precondition(keep >= 0 && drop >= 0 && keep + drop <= value.count, "a splice outside the value")
        appendEntry(stateIndex: stateIndex, prefixBytes: 0, key: key, value: UnsafeBufferPointer(rebasing: value[..<keep]),
                    insert, UnsafeBufferPointer(rebasing: value[(keep + drop)...]))
    }

    /// Writes the entry's encoding in one pass through a pointer (no growing-array checks per
    /// field); the value is `value`, then `more`, then `rest` (a splice; else both empty).
    @inline(__always)
    private mutating func appendEntry(stateIndex: Int, prefixBytes: Int, key: UnsafeBufferPointer<UInt8>,
                                      value: UnsafeBufferPointer<UInt8>, _ more: UnsafeBufferPointer<UInt8> = .init(start: nil, count: 0),
                                      _ rest: UnsafeBufferPointer<UInt8> = .init(start: nil, count: 0)) {
        let keyCount = prefixBytes + key.count
        let valueCount = value.count + more.count + rest.count
        let at = encodedCount, end = at + 8 + keyCount + valueCount
        if storage.count < end { grow(to: end) }
        let keyGroup = self.keyGroup
        let first: UInt8? = storage.withUnsafeMutableBufferPointer { b in
            var p = b.baseAddress! + at
            Self.putU32(&p, keyCount)
            if prefixBytes == 2 { p[0] = UInt8(truncatingIfNeeded: keyGroup >> 8); p += 1 }
            if prefixBytes > 0 { p[0] = UInt8(truncatingIfNeeded: keyGroup); p += 1 }
            Self.copy(&p, key)
            Self.putU32(&p, valueCount)
            Self.copy(&p, value)
            Self.copy(&p, more)
            Self.copy(&p, rest)
            return keyCount > 0 ? b[at + 4] : nil
        }
        if firstUnwritable == nil, first.map({ $0 & CanonicalKeyGroupBlock.firstBitInByteMask != 0 }) ?? true
            || !(0..<Int(CanonicalKeyGroupBlock.endOfKeyGroupMark)).contains(stateIndex) {
            firstUnwritable = slots.count
        }
        slots.append(Slot(stateIndex: Int32(truncatingIfNeeded: stateIndex), keyCount: Int32(truncatingIfNeeded: keyCount),
                          start: at + 4, valueCount: valueCount))
        encodedCount = end
    }

    /// Doubles the storage (zero-filled once; refilled key groups reuse it).
    private mutating func grow(to n: Int) {
        storage.append(contentsOf: repeatElement(0, count: Swift.max(n, 2 * storage.count, 4096) - storage.count))
    }

    @inline(__always)
    private static func putU32(_ p: inout UnsafeMutablePointer<UInt8>, _ v: Int) {
        UnsafeMutableRawPointer(p).storeBytes(of: UInt32(truncatingIfNeeded: v).bigEndian, as: UInt32.self)
        p += 4
    }

    @inline(__always)
    private static func copy(_ p: inout UnsafeMutablePointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        SmallCopy.copy(source, to: p, count: bytes.count)
        p += bytes.count
    }

    /// Calls `body` with every entry in slot order. The buffers are valid only during the call.
    public func forEach(
        _ body: (_ stateIndex: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try forEach(in: slots.indices, body)
    }

    /// `forEach` of the entries `entries` (slot indexes) only.
    public func forEach(
        in entries: Range<Int>,
        _ body: (_ stateIndex: Int, _ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try storage.withUnsafeBufferPointer { b in
            for s in slots[entries] {
                try body(Int(s.stateIndex), UnsafeBufferPointer(rebasing: b[s.start..<(s.start + Int(s.keyCount))]),
                         UnsafeBufferPointer(rebasing: b[s.valueStart..<(s.valueStart + s.valueCount)]))
            }
        }
    }

    /// Calls `body` with the entries' encodings back to back (`Slot.start` and `Slot.valueStart`
    /// index into it), to copy a key group whole. Valid only during the call.
    public func withEncodedBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<encodedCount])) }
    }

    /// Entry `i` as arrays (tests and error messages; copies).
    public func entry(_ i: Int) -> (stateIndex: Int, key: [UInt8], value: [UInt8]) {
        let s = slots[i]
        return (Int(s.stateIndex), Array(storage[s.start..<(s.start + Int(s.keyCount))]),
                Array(storage[s.valueStart..<(s.valueStart + s.valueCount)]))
    }

    // MARK: order

    /// The order every writer wants inside a key group: by state, then unsigned bytewise by key
    /// (RocksDB's order, and the order Flink's RocksDB backend writes canonical savepoints in).
    public var isInCanonicalOrder: Bool {
        storage.withUnsafeBufferPointer { b in
            slots.indices.dropFirst().allSatisfy { !Self.precedes(slots[$0], slots[$0 - 1], in: b) }
        }
    }

    /// Whether each state's entries are one run, in any order of states (all a canonical
    /// stream's layout needs; canonical order also sorts states and each run by key).
    public var isGroupedByState: Bool {
        var seen: Set<Int32> = []
        var current: Int32?
        for s in slots where s.stateIndex != current {
            guard seen.insert(s.stateIndex).inserted else { return false }
            current = s.stateIndex
        }
        return true
    }

    /// Sorts the entries into canonical order; a no-op (one linear check) when they already are,
    /// as in every stream written by the RocksDB backend. The heap backend writes hash order.
    ///
    /// Keys of one key group share their first bytes (the key-group prefix, often a key's length
    /// and leading characters), so comparing them byte by byte spends most of the sort in `memcmp`
    /// over those shared bytes. Each slot is sorted instead as a 16-byte item carrying 8 bytes of
    /// its key as a number, from where the keys start to differ: nearly every comparison is two
    /// integers on items that sit contiguously in memory. Runs whose 8 bytes tie are sorted again
    /// on their next 8 bytes (a radix sort by 8-byte digits), so keys that differ only further on
    /// (one user's map keys) are not compared byte by byte either.
    ///
    /// The entries are then gathered into the sorted order: every later pass in slot order (the
    /// digest, the writers, dump, diff) reads the bytes front to back, where in hash order each
    /// entry was a cache miss per pass (57 % of the digest's samples in a conversion to LSM waited
    /// on a key's first byte). The gathering copies do not depend on each other, so their misses
    /// overlap.
    public mutating func sortIntoCanonicalOrder() {
        guard !isInCanonicalOrder else { return }
        let slots = self.slots
        let order: [Int32] = storage.withUnsafeBufferPointer { b in
            slots.withUnsafeBufferPointer { slots in
                var items = [SortItem]()
                items.reserveCapacity(slots.count)
                for i in slots.indices { items.append(SortItem(window: 0, state: slots[i].stateIndex, slot: Int32(i))) }
                Self.sort(&items, items.indices, from: Self.sharedKeyPrefix(slots, in: b), slots, b)
                return items.map(\.slot)
            }
        }
        if let bad = firstUnwritable { firstUnwritable = order.firstIndex(of: Int32(bad)) }
        gather(order)
    }

    /// Rebuilds `slots` and `storage` in the order `order` (old slot indexes) gives.
    private mutating func gather(_ order: [Int32]) {
        if gathered.count < encodedCount { gathered = [UInt8](repeating: 0, count: storage.count) }
        let old = slots
        var at = 0
        storage.withUnsafeBufferPointer { from in
            gathered.withUnsafeMutableBufferPointer { to in
                slots.withUnsafeMutableBufferPointer { slots in
                    for (i, k) in order.enumerated() {
                        var s = old[Int(k)]
                        let e = s.encoded
                        var p = to.baseAddress! + at
                        Self.copy(&p, UnsafeBufferPointer(rebasing: from[e]))
                        s.start = at + 4
                        slots[i] = s
                        at += e.count
                    }
                }
            }
        }
        swap(&storage, &gathered)
    }

    /// Sorts `items[range]`, whose keys agree on their first `offset` bytes, by state and key.
    private static func sort(_ items: inout [SortItem], _ range: Range<Int>, from offset: Int,
                             _ slots: UnsafeBufferPointer<Slot>, _ b: UnsafeBufferPointer<UInt8>) {
        var longest = 0
        for i in range {
            let s = slots[Int(items[i].slot)]
            items[i].window = window(s, from: offset, in: b)
            longest = Swift.max(longest, Int(s.keyCount))
        }
        if longest <= offset + 8 {
            // Every key ends inside the window: equal windows are equal keys or differ in length only.
            items[range].sort { x, y in
                if x.state != y.state { return x.state < y.state }
                if x.window != y.window { return x.window < y.window }
                return precedes(slots[Int(x.slot)], slots[Int(y.slot)], in: b)
            }
            return
        }
        items[range].sort { x, y in x.state != y.state ? x.state < y.state : x.window < y.window }
        var i = range.lowerBound
        while i < range.upperBound {
            var j = i + 1
            while j < range.upperBound, items[j].state == items[i].state, items[j].window == items[i].window { j += 1 }
            if j - i > 1 { sort(&items, i..<j, from: offset + 8, slots, b) }
            i = j
        }
    }

    /// What `sortIntoCanonicalOrder` sorts: a slot's state, its key's window and the slot's index.
    private struct SortItem {
        var window: UInt64
        var state: Int32
        var slot: Int32
    }

    /// How many leading bytes every key of the group has in common.
    private static func sharedKeyPrefix(_ slots: UnsafeBufferPointer<Slot>, in b: UnsafeBufferPointer<UInt8>) -> Int {
        guard let first = slots.first else { return 0 }
        var shared = Int(first.keyCount)
        for s in slots.dropFirst() where shared > 0 {
            let n = Swift.min(shared, Int(s.keyCount))
            var i = 0
            while i < n, b[first.start + i] == b[s.start + i] { i += 1 }
            shared = i
        }
        return shared
    }

    /// The key's 8 bytes from `offset` as a big-endian number, zero-padded past the key's end: windows
    /// order as the bytes do, and a shorter key that ties is told apart by `precedes`.
    @inline(__always)
    private static func window(_ s: Slot, from offset: Int, in b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let available = Int(s.keyCount) - offset
        if available >= 8 {
            return UInt64(bigEndian: UnsafeRawPointer(b.baseAddress! + s.start + offset).loadUnaligned(as: UInt64.self))
        }
        var w: UInt64 = 0
        for i in 0..<8 { w = w << 8 | UInt64(i < available ? b[s.start + offset + i] : 0) }
        return w
    }

    static func precedes(_ a: Slot, _ b: Slot, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.stateIndex != b.stateIndex { return a.stateIndex < b.stateIndex }
        let common = Int(min(a.keyCount, b.keyCount))
        let c = common == 0 ? 0 : memcmp(buffer.baseAddress! + a.start, buffer.baseAddress! + b.start, common)
        return c != 0 ? c < 0 : a.keyCount < b.keyCount
    }
}
