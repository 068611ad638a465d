import Bytes

/// Anything that yields table entries in internal-key order: a `TableCursor`, or synthetic
/// entries in tests.
public protocol InternalEntryCursor {
    mutating func next() throws -> TableEntry?
    /// The lending walk: moves to the next entry, checking it follows the previous one; nil at the end.
    mutating func step() throws -> EntryStep?
    /// The entry `step` moved to, in place (valid until the next `step`). Mutating only so that
    /// callers lend from the cursor in place: a borrowed cursor was copied per entry.
    mutating func withStepped<R>(_ body: (_ userKey: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
    /// The stepped entry's internal key, for messages.
    var steppedInternalKey: InternalKey { get }
}

/// Where the lending walk (`InternalEntryCursor.step`) stands: the entry's sequence and type (what
/// orders versions of a key across tables) and whether its user key is the previous entry's (an
/// older version of it).
public struct EntryStep: Sendable {
    /// `sequence << 8 | type` of the entry's internal key.
    public let trailer: UInt64
    public let sameUserKeyAsPrevious: Bool
    /// File offset of the data block the entry came from.
    public let blockOffset: UInt64

    public var typeByte: UInt8 { UInt8(truncatingIfNeeded: trailer) }
    public var sequence: UInt64 { trailer >> 8 }
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
        return EntryStep(trailer: e.key.sequence << 8 | UInt64(e.key.typeByte), sameUserKeyAsPrevious: same,
                         blockOffset: e.blockOffset)
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
/// the key being resolved. Every cursor is walked in place (`InternalEntryCursor.step`): a key
/// whose newest version is a put, the common case, is lent straight from its table's block;
/// only keys with several versions are folded into reused buffers (`VersionFold`, `ByteScratch`),
/// so a scan allocates per data block, not per entry.
///
/// A family of one table without range tombstones (what `convert --to lsm` writes and a fully
/// compacted DB holds; Flink's own native savepoints have several per family) needs no ordering
/// of cursors at all (`advanceInPlace`).
public struct MergedColumnFamilyIterator<Cursor: InternalEntryCursor> {
    private var cursors: [Cursor]
    /// Where each cursor stands (nil: at its end).
    private var steps: [EntryStep?]
    /// The cursors not at their end in internal-key order of their entries (equal keys: lower
    /// cursor index first), so the next entry is `order[0]`'s and a stepped cursor moves past as
    /// few others as it must.
    private var order: [Int] = []
    /// The cursor whose entry `withCurrent` lends (`order[0]`); it moves on at the next `advance`.
    private var lent: Int?
    /// The versions of the key being resolved, folded into its visible value.
    private var fold = VersionFold()
    private let rangeTombstones: [RangeTombstone]
    public let mergeDelimiter: UInt8
    /// For errors: which column family is read.
    public let name: String
    private var started = false
    /// The current visible entry after `advance()` returned true (valid until the next call).
    private var userKey = ByteScratch()
    /// Where the current entry lies: resolved into `userKey` and `fold.value`, or lent in place by
    /// cursor `lent` (several tables) or by the single cursor (`inPlace`).
    private var current = Current.resolved
    private enum Current { case resolved, lent, stepped }
    /// The one cursor of a family without range tombstones, walked on its own; nil when the
    /// cursors are merged.
    private var inPlace: Cursor?
    /// The in-place walk stopped on an entry of the next user key, not consumed yet.
    private var pendingStep: EntryStep?

    public init(cursors: [Cursor], rangeTombstones: [RangeTombstone] = [], mergeDelimiter: UInt8 = 0x2C,
                name: String = "column family") {
        self.cursors = cursors
        self.steps = Array(repeating: nil, count: cursors.count)
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
                steps[i] = try cursors[i].step()
                if steps[i] != nil { insertInOrder(i) }
            }
        }
        if let i = lent {
            // Older versions of a lent put (in its own table: the other tables have none) are hidden.
            lent = nil
            try stepFirst(i, skippingOlderVersions: true)
        }
        while let first = order.first {
            // The common case: the newest version is a put, and no other table has the key.
            if rangeTombstones.isEmpty, steps[first]!.typeByte == ValueType.value.rawValue,
               order.count < 2 || !sameUserKey(first, order[1]) {
                lent = first
                current = .lent
                return true
            }
            if try resolve(startingWith: first) { return true }
        }
        return false
    }

    /// The current entry's user key and value in place.
    public mutating func withCurrent<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch current {
        case .stepped: return try inPlace!.withStepped(body)
        case .lent: return try cursors[lent!].withStepped(body)
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

    /// Resolves all versions of the user key of cursor `first` (`order[0]`), consuming them; true
    /// when the key is visible (`withCurrent` lends it).
    private mutating func resolve(startingWith first: Int) throws -> Bool {
        current = .resolved
        cursors[first].withStepped { k, _ in userKey.set(k) }
        fold.reset()
        var b = first
        while true {
            let step = steps[b]!
            if !fold.done {
                if !rangeTombstones.isEmpty, isCoveredByRangeTombstone(userKey.array, sequence: step.sequence) {
                    fold.cover()
                } else {
                    let known = cursors[b].withStepped { _, v in fold.add(typeByte: step.typeByte, value: v) }
                    guard known else { throw unexpectedType(cursors[b].steppedInternalKey, blockOffset: step.blockOffset) }
                }
            }
            try stepFirst(b, skippingOlderVersions: false)
            guard let next = order.first, hasUserKey(next) else { break }
            b = next
        }
        return fold.finish(delimiter: mergeDelimiter)
    }

    private func unexpectedType(_ key: InternalKey, blockOffset: UInt64) -> FormatError {
        .unexpectedValueType(key, name: name, blockOffset: blockOffset)
    }

    private func isCoveredByRangeTombstone(_ userKey: [UInt8], sequence: UInt64) -> Bool {
        rangeTombstones.contains { t in
            t.sequence > sequence && !Self.less(userKey, t.start) && Self.less(userKey, t.end)
        }
    }

    /// Moves cursor `b` (`order[0]`) on (past the older versions of its key too, if asked; the
    /// cursor checks its table's order) and puts it back in order.
    private mutating func stepFirst(_ b: Int, skippingOlderVersions: Bool) throws {
        repeat {
            steps[b] = try cursors[b].step()
        } while skippingOlderVersions && steps[b]?.sameUserKeyAsPrevious == true
        guard steps[b] != nil else {
            order.removeFirst()
            return
        }
        var p = 0
        while p + 1 < order.count, comesBefore(order[p + 1], order[p]) {
            order.swapAt(p, p + 1)
            p += 1
        }
    }

    /// Puts cursor `i` (not in `order`) where it belongs.
    private mutating func insertInOrder(_ i: Int) {
        var position = 0
        while position < order.count, !comesBefore(i, order[position]) { position += 1 }
        order.insert(i, at: position)
    }

    /// Order of cursors: internal key of their entries, then cursor index.
    private mutating func comesBefore(_ i: Int, _ j: Int) -> Bool {
        let keys = compareUserKeys(i, j)
        if keys != 0 { return keys < 0 }
        let (ti, tj) = (steps[i]!.trailer, steps[j]!.trailer)
        return ti != tj ? ti > tj : i < j
    }

    private mutating func sameUserKey(_ i: Int, _ j: Int) -> Bool { compareUserKeys(i, j) == 0 }

    /// Whether cursor `i`'s entry has the user key being resolved.
    private mutating func hasUserKey(_ i: Int) -> Bool {
        userKey.withBytes { u in cursors[i].withStepped { k, _ in InternalEntryBuffer.compareBytes(u, k) == 0 } }
    }

    /// The user keys of two cursors' entries, compared in place.
    private mutating func compareUserKeys(_ i: Int, _ j: Int) -> Int {
        cursors.withUnsafeMutableBufferPointer { c in
            c[i].withStepped { ki, _ in c[j].withStepped { kj, _ in InternalEntryBuffer.compareBytes(ki, kj) } }
        }
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
