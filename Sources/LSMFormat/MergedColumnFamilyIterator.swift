import Bytes

/// Anything that yields table entries in internal-key order: a `TableCursor`, or synthetic
/// entries in tests.
public protocol InternalEntryCursor {
    mutating func next() throws -> TableEntry?
    /// The next entry copied into `entry`'s buffers; false at the end. The default goes through
    /// `next()`; `TableCursor` fills the buffers without allocating.
    mutating func next(into entry: inout InternalEntryBuffer) throws -> Bool
    /// The lending walk: moves to the next entry, checking it follows the previous one; nil at the end.
    mutating func step() throws -> EntryStep?
    /// The entry `step` moved to, in place (valid until the next `step`). Mutating only so that
    /// callers lend from the cursor in place: a borrowed cursor was copied per entry.
    mutating func withStepped<R>(_ body: (_ userKey: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
    /// The stepped entry's internal key, for messages.
    var steppedInternalKey: InternalKey { get }
}

/// Where the lending walk (`InternalEntryCursor.step`) stands: the entry's type and whether its
/// user key is the previous entry's (an older version of it).
public struct EntryStep: Sendable {
    public let typeByte: UInt8
    public let sameUserKeyAsPrevious: Bool
    /// File offset of the data block the entry came from.
    public let blockOffset: UInt64
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
    /// The entry `step` moved to (`index` has moved past it).
    var stepped: Int?

    public init(_ entries: [TableEntry]) { self.entries = entries }

    public mutating func next() throws -> TableEntry? {
        guard index < entries.count else { return nil }
        defer { index += 1 }
        return entries[index]
    }

    public mutating func step() throws -> EntryStep? {
        guard let e = try next() else { return nil }
        var same = false
        if let p = stepped {
            let previous = entries[p].key
            guard !MergedColumnFamilyIterator<Self>.precedes(e.key, previous) else {
                throw FormatError(offset: Int(e.blockOffset), "table entries out of order: \(e.key) after \(previous)")
            }
            same = previous.userKey == e.key.userKey
        }
        stepped = index - 1
        return EntryStep(typeByte: e.key.typeByte, sameUserKeyAsPrevious: same, blockOffset: e.blockOffset)
    }

    public mutating func withStepped<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let e = entries[stepped!]
        return try e.key.userKey.withUnsafeBufferPointer { k in try e.value.withUnsafeBufferPointer { v in try body(k, v) } }
    }

    public var steppedInternalKey: InternalKey { entries[stepped!].key }
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
///
/// A family of one table without range tombstones (what `convert --to lsm` writes and a fully
/// compacted DB holds; Flink's own native savepoints have several per family) needs no merging: its entries are walked in place (`InternalEntryCursor.step`), and a key whose
/// newest version is a Put is lent straight from the table's block, nothing copied.
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
    /// The versions of the key being resolved, folded into its visible value.
    private var fold = VersionFold()
    private let rangeTombstones: [RangeTombstone]
    public let mergeDelimiter: UInt8
    /// For errors: which column family is read.
    public let name: String
    private var started = false
    /// The current visible entry after `advance()` returned true (valid until the next call).
    private var userKey = ByteScratch()
    /// Where the current entry lies: resolved into `userKey` and `fold.value`, still in `popped`
    /// (a key with one version, a put), or lent by the single cursor (`inPlace`).
    private var current = Current.resolved
    private enum Current { case resolved, popped, stepped }
    /// The one cursor of a family without range tombstones, walked in place with `step` (no
    /// heads); nil when the cursors are merged.
    private var inPlace: Cursor?
    /// The in-place walk stopped on an entry of the next user key, not consumed yet.
    private var pendingStep: EntryStep?

    public init(cursors: [Cursor], rangeTombstones: [RangeTombstone] = [], mergeDelimiter: UInt8 = 0x2C,
                name: String = "column family") {
        self.cursors = cursors
        self.heads = Array(repeating: InternalEntryBuffer(), count: cursors.count)
        self.live = Array(repeating: false, count: cursors.count)
        self.rangeTombstones = rangeTombstones
        self.mergeDelimiter = mergeDelimiter
        self.name = name
        if cursors.count == 1, rangeTombstones.isEmpty {
            inPlace = cursors[0]
            self.cursors = []
        }
    }

    /// The next visible entry in user-key order, or nil at the end.
    public mutating func next() throws -> VisibleEntry? {
        guard try advance() else { return nil }
        return withCurrent { VisibleEntry(userKey: Array($0), value: Array($1)) }
    }

    /// Moves to the next visible entry, whose bytes `withCurrent` then lends; false at the end.
    /// Reuses its buffers: no allocation per entry.
    public mutating func advance() throws -> Bool {
        if inPlace != nil { return try advanceInPlace() }
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
    public mutating func withCurrent<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch current {
        case .stepped: return try inPlace!.withStepped(body)
        case .popped: return try popped.withUserKey { k in try popped.value.withBytes { v in try body(k, v) } }
        case .resolved: return try userKey.withBytes { k in try fold.value.withBytes { v in try body(k, v) } }
        }
    }

    // MARK: one table, in place

    /// The walk of a single table: a user key's first (newest) entry decides; a Put is lent in
    /// place, a delete hides the key, a merge operand starts a fold over the versions below it.
    /// Older versions after a decided key are skipped (`sameUserKeyAsPrevious`).
    private mutating func advanceInPlace() throws -> Bool {
        while true {
            let step: EntryStep
            if let pending = pendingStep {
                step = pending
                pendingStep = nil
            } else {
                guard let next = try inPlace!.step() else { return false }
                guard !next.sameUserKeyAsPrevious else { continue }
                step = next
            }
            switch ValueType(rawValue: step.typeByte) {
            case .value?:
                current = .stepped
                return true
            case .deletion?, .singleDeletion?, .deletionWithTimestamp?:
                continue
            case .merge?:
                if try foldInPlace(startingWith: step) { return true }
            default:
                throw unexpectedType(inPlace!.steppedInternalKey, blockOffset: step.blockOffset)
            }
        }
    }

    /// Folds the versions of the stepped entry's user key (a merge operand first), leaving the
    /// walk on the next key's first entry; true when the key is visible.
    private mutating func foldInPlace(startingWith first: EntryStep) throws -> Bool {
        fold.reset()
        var step = first
        inPlace!.withStepped { k, _ in userKey.set(k) }
        while true {
            if !fold.done {
                let type = step.typeByte
                let known = inPlace!.withStepped { _, v in fold.add(typeByte: type, value: v) }
                guard known else { throw unexpectedType(inPlace!.steppedInternalKey, blockOffset: step.blockOffset) }
            }
            guard let next = try inPlace!.step() else { break }
            guard next.sameUserKeyAsPrevious else {
                pendingStep = next
                break
            }
            step = next
        }
        current = .resolved
        return fold.finish(delimiter: mergeDelimiter)
    }

    // MARK: several tables

    /// Resolves all versions of the user key of head `first`, consuming them; true when the key is
    /// visible (`withCurrent` lends it).
    private mutating func resolve(startingWith first: Int) throws -> Bool {
        try pop(first)
        // The common case: one version, a put.
        if rangeTombstones.isEmpty, popped.typeByte == ValueType.value.rawValue, !nextHeadHasPoppedUserKey() {
            current = .popped
            return true
        }
        current = .resolved
        popped.withUserKey { userKey.set($0) }
        fold.reset()
        while true {
            if !fold.done {
                if !rangeTombstones.isEmpty, isCoveredByRangeTombstone(userKey.array, sequence: popped.sequence) {
                    fold.cover()
                } else {
                    let known = popped.value.withBytes { fold.add(typeByte: popped.typeByte, value: $0) }
                    guard known else { throw unexpectedType(popped.internalKey, blockOffset: popped.blockOffset) }
                }
            }
            guard let next = smallest(), headHasUserKey(next) else { break }
            try pop(next)
        }
        return fold.finish(delimiter: mergeDelimiter)
    }

    private func unexpectedType(_ key: InternalKey, blockOffset: UInt64) -> FormatError {
        FormatError(offset: Int(blockOffset),
                    "\(name): key \(key) has value type \(key.typeByte), which Flink never writes "
                        + "(expected put, merge or delete)")
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
