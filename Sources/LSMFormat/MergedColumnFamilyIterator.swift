import Bytes

/// Anything that yields table entries in internal-key order: a `TableCursor`, or synthetic
/// entries in tests.
public protocol InternalEntryCursor {
    mutating func next() throws -> TableEntry?
    /// The next entry copied into `entry`'s buffers; false at the end. The default goes through
    /// `next()`; `TableCursor` fills the buffers without allocating.
    mutating func next(into entry: inout InternalEntryBuffer) throws -> Bool
}

extension InternalEntryCursor {
    public mutating func next(into entry: inout InternalEntryBuffer) throws -> Bool {
        guard let e = try next() else { return false }
        entry.assign(e)
        return true
    }
}

extension TableCursor: InternalEntryCursor {}

/// Entries from an array already in internal-key order (tests, small inputs).
public struct ArrayEntryCursor: InternalEntryCursor {
    var entries: [TableEntry]
    var index = 0
    public init(_ entries: [TableEntry]) { self.entries = entries }
    public mutating func next() throws -> TableEntry? {
        guard index < entries.count else { return nil }
        defer { index += 1 }
        return entries[index]
    }
}

/// One visible key-value pair of a column family, as a `Get` would return it.
public struct VisibleEntry: Sendable, Equatable {
    public var userKey: [UInt8]
    public var value: [UInt8]
    public init(userKey: [UInt8], value: [UInt8]) {
        self.userKey = userKey
        self.value = value
    }
}

/// The visible state of one column family: a k-way merge over the cursors of all its live
/// tables, resolving every user key the way a RocksDB read does.
///
/// Per user key, versions arrive newest first (higher sequence first). Walking them:
/// * a Put ends the walk; its value is the base;
/// * a Delete or SingleDelete ends the walk with no base (a SingleDelete hides at most one Put,
///   and in a consistent DB there is exactly that one below it, so for reading they are the same);
/// * a version covered by a newer range tombstone ends the walk like a Delete;
/// * a Merge operand is kept and the walk goes on.
/// The result is the base followed by the operands oldest first, joined with `mergeDelimiter`
/// (RocksDB's `StringAppendTESTOperator`, the operator Flink registers as `stringappendtest`).
/// A key whose walk ends with neither base nor operands is hidden.
///
/// Memory: one current entry per cursor (each pins one decoded data block) plus the operands of
/// the key being resolved. Entries are copied into buffers that are reused (`InternalEntryBuffer`,
/// `ByteScratch`), so a scan allocates per data block, not per entry.
public struct MergedColumnFamilyIterator<Cursor: InternalEntryCursor> {
    private var cursors: [Cursor]
    /// The pending entry of each cursor, in buffers refilled in place, and whether it has one.
    private var heads: [InternalEntryBuffer]
    private var live: [Bool]
    /// The live heads in internal-key order (equal keys: lower cursor index first), so the next
    /// entry is `order[0]` and a refilled head moves past as few others as it must.
    private var order: [Int] = []
    /// The entry being resolved (swapped out of its head before the cursor moves on).
    private var popped = InternalEntryBuffer()
    /// Merge operands of the key being resolved, newest first, end to end; `operandEnds[i]` ends
    /// operand `i`.
    private var operands = ByteScratch()
    private var operandEnds: [Int] = []
    private let rangeTombstones: [RangeTombstone]
    public let mergeDelimiter: UInt8
    /// For errors: which column family is read.
    public let name: String
    private var started = false
    /// The current visible entry after `advance()` returned true (valid until the next call).
    private var userKey = ByteScratch()
    private var value = ByteScratch()
    /// The current entry is `popped` itself (a key with one version, a put): nothing was copied.
    private var currentIsPopped = false

    public init(cursors: [Cursor], rangeTombstones: [RangeTombstone] = [], mergeDelimiter: UInt8 = 0x2C,
                name: String = "column family") {
        self.cursors = cursors
        self.heads = Array(repeating: InternalEntryBuffer(), count: cursors.count)
        self.live = Array(repeating: false, count: cursors.count)
        self.rangeTombstones = rangeTombstones
        self.mergeDelimiter = mergeDelimiter
        self.name = name
    }

    /// The next visible entry in user-key order, or nil at the end.
    public mutating func next() throws -> VisibleEntry? {
        guard try advance() else { return nil }
        return withCurrent { VisibleEntry(userKey: Array($0), value: Array($1)) }
    }

    /// Moves to the next visible entry, whose bytes `withCurrent` then lends; false at the end.
    /// Reuses its buffers: no allocation per entry.
    public mutating func advance() throws -> Bool {
        if !started {
            started = true
            for i in cursors.indices {
                live[i] = try cursors[i].next(into: &heads[i])
                if live[i] { insertInOrder(i) }
            }
        }
        while let first = smallest() {
            if try resolve(startingWith: first) { return true }
        }
        return false
    }

    /// The current entry's user key and value in place.
    public func withCurrent<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if currentIsPopped {
            return try popped.withUserKey { k in try popped.value.withBytes { v in try body(k, v) } }
        }
        return try userKey.withBytes { k in try value.withBytes { v in try body(k, v) } }
    }

    /// Resolves all versions of the user key of head `first`, consuming them; true when the key is
    /// visible (`withCurrent` lends it).
    private mutating func resolve(startingWith first: Int) throws -> Bool {
        try pop(first)
        // The common case: one version, a put.
        if rangeTombstones.isEmpty, popped.typeByte == ValueType.value.rawValue, !nextHeadHasPoppedUserKey() {
            currentIsPopped = true
            return true
        }
        currentIsPopped = false
        popped.withUserKey { userKey.set($0) }
        value.removeAll()
        operands.removeAll()
        if !operandEnds.isEmpty { operandEnds.removeAll(keepingCapacity: true) }
        var hasBase = false
        var done = false
        while true {
            if !done {
                if !rangeTombstones.isEmpty, isCoveredByRangeTombstone(userKey.array, sequence: popped.sequence) {
                    done = true
                } else {
                    switch ValueType(rawValue: popped.typeByte) {
                    case .value?:
                        popped.value.withBytes { value.append($0) }
                        hasBase = true
                        done = true
                    case .deletion?, .singleDeletion?, .deletionWithTimestamp?: done = true
                    case .merge?:
                        popped.value.withBytes { operands.append($0) }
                        operandEnds.append(operands.count)
                    default:
                        let key = popped.internalKey
                        throw FormatError(
                            offset: Int(popped.blockOffset),
                            "\(name): key \(key) has value type \(key.typeByte), which Flink never writes "
                                + "(expected put, merge or delete)")
                    }
                }
            }
            guard let next = smallest(), headHasUserKey(next) else { break }
            try pop(next)
        }
        guard hasBase || !operandEnds.isEmpty else { return false }
        // The base, then the operands oldest first, joined by the delimiter.
        for i in operandEnds.indices.reversed() {
            if i < operandEnds.count - 1 || hasBase { value.append(mergeDelimiter) }
            let start = i == 0 ? 0 : operandEnds[i - 1]
            value.append(operands, start..<operandEnds[i])
        }
        return true
    }

    private func isCoveredByRangeTombstone(_ userKey: [UInt8], sequence: UInt64) -> Bool {
        rangeTombstones.contains { t in
            t.sequence > sequence && !Self.less(userKey, t.start) && Self.less(userKey, t.end)
        }
    }

    /// The head that comes first in internal-key order (the first of equal ones), nil when all
    /// cursors are exhausted.
    @inline(__always)
    private func smallest() -> Int? { order.first }

    /// Puts live head `i` (not in `order`) where it belongs.
    private mutating func insertInOrder(_ i: Int) {
        let position = heads.withUnsafeBufferPointer { h in
            order.firstIndex { j in Self.comesBefore(i, j, h) } ?? order.count
        }
        order.insert(i, at: position)
    }

    /// Head `order[0]` was refilled: moves it right past the heads that now come first.
    private mutating func reorderFirst() {
        guard order.count > 1 else { return }
        heads.withUnsafeBufferPointer { h in
            order.withUnsafeMutableBufferPointer { o in
                var p = 0
                while p + 1 < o.count, Self.comesBefore(o[p + 1], o[p], h) {
                    o.swapAt(p, p + 1)
                    p += 1
                }
            }
        }
    }

    /// Order of heads: internal key, then cursor index.
    @inline(__always)
    private static func comesBefore(_ i: Int, _ j: Int, _ h: UnsafeBufferPointer<InternalEntryBuffer>) -> Bool {
        InternalEntryBuffer.precedes(h[i], h[j]) || (i < j && !InternalEntryBuffer.precedes(h[j], h[i]))
    }

    /// Whether the next head has the user key of `popped` (another version of it).
    private func nextHeadHasPoppedUserKey() -> Bool {
        guard let next = order.first else { return false }
        return popped.withUserKey { u in
            heads.withUnsafeBufferPointer { h in h[next].withUserKey { InternalEntryBuffer.compareBytes(u, $0) == 0 } }
        }
    }

    /// Whether head `i` has the user key being resolved.
    private func headHasUserKey(_ i: Int) -> Bool {
        userKey.withBytes { u in
            heads.withUnsafeBufferPointer { h in h[i].withUserKey { InternalEntryBuffer.compareBytes(u, $0) == 0 } }
        }
    }

    /// Moves head `b` (`order[0]`) into `popped` and refills it from its cursor, checking the
    /// cursor's order.
    private mutating func pop(_ b: Int) throws {
        swap(&popped, &heads[b])
        live[b] = try cursors[b].next(into: &heads[b])
        guard live[b] else {
            order.removeFirst()
            return
        }
        if InternalEntryBuffer.precedes(heads[b], popped) {
            throw FormatError(offset: Int(heads[b].blockOffset),
                              "\(name): table entries out of order: \(heads[b].internalKey) after \(popped.internalKey)")
        }
        reorderFirst()
    }

    /// Internal-key order: user key ascending (bytewise), then sequence descending, then type descending.
    static func precedes(_ a: InternalKey, _ b: InternalKey) -> Bool {
        if a.userKey != b.userKey { return less(a.userKey, b.userKey) }
        if a.sequence != b.sequence { return a.sequence > b.sequence }
        return a.typeByte > b.typeByte
    }

    /// Bytewise comparison of unsigned bytes; a proper prefix sorts first.
    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }
}
