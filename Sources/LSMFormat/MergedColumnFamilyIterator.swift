import Bytes

/// Anything that yields table entries in internal-key order: a `TableCursor`, or synthetic
/// entries in tests.
public protocol InternalEntryCursor {
    mutating func next() throws -> TableEntry?
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
/// the key being resolved.
public struct MergedColumnFamilyIterator<Cursor: InternalEntryCursor> {
    private var cursors: [Cursor]
    /// The pending entry of each cursor (nil once exhausted).
    private var heads: [TableEntry?]
    private let rangeTombstones: [RangeTombstone]
    public let mergeDelimiter: UInt8
    /// For errors: which column family is read.
    public let name: String
    private var started = false

    public init(cursors: [Cursor], rangeTombstones: [RangeTombstone] = [], mergeDelimiter: UInt8 = 0x2C,
                name: String = "column family") {
        self.cursors = cursors
        self.heads = Array(repeating: nil, count: cursors.count)
        self.rangeTombstones = rangeTombstones
        self.mergeDelimiter = mergeDelimiter
        self.name = name
    }

    /// The next visible entry in user-key order, or nil at the end.
    public mutating func next() throws -> VisibleEntry? {
        if !started {
            started = true
            for i in cursors.indices { heads[i] = try cursors[i].next() }
        }
        while let first = try pop() {
            if let visible = try resolve(startingWith: first) { return visible }
        }
        return nil
    }

    /// Resolves all versions of `first.key.userKey`, consuming them.
    private mutating func resolve(startingWith first: TableEntry) throws -> VisibleEntry? {
        let userKey = first.key.userKey
        var operands: [ArraySlice<UInt8>] = []
        var base: ArraySlice<UInt8>? = nil
        var done = false
        var entry: TableEntry? = first
        while let e = entry {
            if !done {
                if isCoveredByRangeTombstone(userKey, sequence: e.key.sequence) {
                    done = true
                } else {
                    switch e.key.type {
                    case .value: base = e.value; done = true
                    case .deletion, .singleDeletion, .deletionWithTimestamp: done = true
                    case .merge: operands.append(e.value)
                    default:
                        throw FormatError(
                            offset: Int(e.blockOffset),
                            "\(name): key \(e.key) has value type \(e.key.typeByte), which Flink never writes "
                                + "(expected put, merge or delete)")
                    }
                }
            }
            entry = try popIfSameUserKey(userKey)
        }
        guard base != nil || !operands.isEmpty else { return nil }
        var value: [UInt8] = []
        if let base { value.append(contentsOf: base) }
        for (i, operand) in operands.reversed().enumerated() {
            if i > 0 || base != nil { value.append(mergeDelimiter) }
            value.append(contentsOf: operand)
        }
        return VisibleEntry(userKey: userKey, value: value)
    }

    private func isCoveredByRangeTombstone(_ userKey: [UInt8], sequence: UInt64) -> Bool {
        rangeTombstones.contains { t in
            t.sequence > sequence && !Self.less(userKey, t.start) && Self.less(userKey, t.end)
        }
    }

    /// Removes and returns the smallest pending entry in internal-key order.
    private mutating func pop() throws -> TableEntry? {
        var best: Int? = nil
        for i in heads.indices {
            guard let candidate = heads[i] else { continue }
            if let b = best, let current = heads[b], !Self.precedes(candidate.key, current.key) { continue }
            best = i
        }
        guard let b = best else { return nil }
        let out = heads[b]
        heads[b] = try cursors[b].next()
        if let out, let following = heads[b], Self.precedes(following.key, out.key) {
            throw FormatError(offset: Int(following.blockOffset),
                              "\(name): table entries out of order: \(following.key) after \(out.key)")
        }
        return out
    }

    private mutating func popIfSameUserKey(_ userKey: [UInt8]) throws -> TableEntry? {
        guard heads.contains(where: { $0?.key.userKey == userKey }) else { return nil }
        return try pop()
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
