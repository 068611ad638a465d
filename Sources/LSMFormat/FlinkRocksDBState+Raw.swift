import Bytes
import CanonicalFormat

extension FlinkRocksDBState {
    /// One visible entry of a state, in place: the buffers are valid during the call only.
    public struct RawEntry {
        public var stateIndex: Int
        /// From the key-group prefix.
        public var keyGroup: Int
        /// The whole composite key (key-group prefix included) and the canonical value bytes.
        public var key: UnsafeBufferPointer<UInt8>
        public var value: UnsafeBufferPointer<UInt8>
        /// Which of `columnFamilies` the entry is from (for messages).
        public var familyIndex: Int
        @usableFromInline let keyGroupPrefixBytes: Int

        @inlinable
        public init(stateIndex: Int, keyGroup: Int, key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
                    familyIndex: Int, keyGroupPrefixBytes: Int) {
            self.stateIndex = stateIndex
            self.keyGroup = keyGroup
            self.key = key
            self.value = value
            self.familyIndex = familyIndex
            self.keyGroupPrefixBytes = keyGroupPrefixBytes
        }

        /// The key after its key-group prefix: what `CanonicalEntryJSON` renders.
        public var keyAfterPrefix: UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: key[keyGroupPrefixBytes...])
        }
    }

    /// `forEachEntry` without decoding: every visible entry of every state, state by state (in the
    /// proxy's order) and in key order within a state, with the same checks and errors; entries
    /// of key groups outside `keyGroups` are skipped. Nothing is allocated per entry.
    public func forEachRawEntry(stateFilter: ((Int) -> Bool)? = nil, _ body: (RawEntry) throws -> Void) throws {
        let families = columnFamilies.indices.compactMap { i in columnFamilies[i].stateIndex.map { ($0, i) } }
            .sorted { $0.0 < $1.0 }
        for (stateIndex, familyIndex) in families where stateFilter?(stateIndex) ?? true {
            var entries = try visibleEntries(of: columnFamilies[familyIndex])
            try walk(&entries, stateIndex: stateIndex, familyIndex: familyIndex, body)
        }
    }

    /// The entries of one table of a state's column family on its own, not merged with the
    /// family's other tables: each user key's newest version in this table (a put, or its merge
    /// operands folded; a delete hides it), range deletions not applied
    /// (`BlockBasedTable.walkNewestVersions`). What the table holds is read and checked as
    /// `forEachRawEntry` reads it (checksums, order of keys, value types, key-group prefixes, the
    /// same errors), so a check over every table of a family covers its visible entries and the
    /// shadowed ones too. Tables are independent: they can be walked side by side. Inlinable, so
    /// that the walk is specialized for the visitor: nothing per entry but the visitor's work.
    @inlinable
    public func forEachRawEntry<V: RawEntryVisitor>(ofTable tableIndex: Int, inFamily familyIndex: Int,
                                                    into visitor: inout V) throws {
        let family = columnFamilies[familyIndex]
        guard let stateIndex = family.stateIndex else { return }
        let table = family.tables[tableIndex]
        let name = "column family \"\(family.name)\" of \(self.name)"
        try withUnsafeMutablePointer(to: &visitor) { visitor in
            var entries = KeyGroupEntries(visitor: visitor, stateIndex: stateIndex, familyIndex: familyIndex,
                                          prefixBytes: keyGroupPrefixBytes, keyGroups: keyGroups,
                                          familyName: family.name, instance: self.name)
            try Self.naming(family.name) { try table.walkNewestVersions(&entries, name: name) }
        }
    }

    private func walk(_ entries: inout MergedColumnFamilyIterator<TableCursor>, stateIndex: Int, familyIndex: Int,
                      _ body: (RawEntry) throws -> Void) throws {
        // Locals, not properties: read through `self` inside the per-entry closure they are
        // retained and released per entry.
        let prefixBytes = keyGroupPrefixBytes, keyGroups = keyGroups
        let familyName = columnFamilies[familyIndex].name
        while try Self.naming(familyName, { try entries.advance() }) {
            try entries.withCurrent { key, value in
                guard let keyGroup = try Self.keyGroup(of: key, prefixBytes: prefixBytes, in: keyGroups,
                                                       family: familyName, instance: name) else { return }
                try body(RawEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, value: value,
                                  familyIndex: familyIndex, keyGroupPrefixBytes: prefixBytes))
            }
        }
    }

    /// Decodes a raw entry with its state's serializers, with `forEachEntry`'s errors.
    public func decode(_ entry: RawEntry) throws -> KeyedStateEntry {
        try decode(VisibleEntry(userKey: Array(entry.key), value: Array(entry.value)),
                   stateIndex: entry.stateIndex, family: columnFamilies[entry.familyIndex].name)
    }

    /// The key group a key's prefix names, nil for a key of a key group outside the instance's
    /// range (skipped); a key shorter than the prefix is an error.
    @inlinable @inline(__always)
    static func keyGroup(of key: UnsafeBufferPointer<UInt8>, prefixBytes: Int, in keyGroups: ClosedRange<Int>,
                         family: String, instance: String) throws -> Int? {
        guard let keyGroup = KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes), keyGroups.contains(keyGroup) else {
            if key.count < prefixBytes { throw keyShorterThanPrefix(key, family: family, instance: instance) }
            return nil
        }
        return keyGroup
    }

    @usableFromInline
    static func keyShorterThanPrefix(_ key: UnsafeBufferPointer<UInt8>, family: String, instance: String) -> FormatError {
        FormatError(file: instance, offset: 0,
                    "column family \"\(family)\": key \(Array(key).hexString) is shorter than the key-group prefix")
    }
}

/// What `FlinkRocksDBState.forEachRawEntry(ofTable:inFamily:into:)` hands each entry to: a type of
/// the caller's, for which the walk is specialized.
public protocol RawEntryVisitor {
    /// One entry in place (its buffers valid during the call only).
    mutating func visit(_ entry: FlinkRocksDBState.RawEntry) throws
}

/// The table walk's entries with their key group (from the key's prefix), as `forEachRawEntry`
/// gives them: keys of key groups outside the instance's range are skipped, a key shorter than
/// the prefix is an error.
@usableFromInline
struct KeyGroupEntries<V: RawEntryVisitor>: TableEntryVisitor {
    @usableFromInline let visitor: UnsafeMutablePointer<V>
    @usableFromInline let stateIndex: Int, familyIndex: Int, prefixBytes: Int
    @usableFromInline let keyGroups: ClosedRange<Int>
    @usableFromInline let familyName: String, instance: String

    @inlinable
    init(visitor: UnsafeMutablePointer<V>, stateIndex: Int, familyIndex: Int, prefixBytes: Int,
         keyGroups: ClosedRange<Int>, familyName: String, instance: String) {
        self.visitor = visitor
        self.stateIndex = stateIndex
        self.familyIndex = familyIndex
        self.prefixBytes = prefixBytes
        self.keyGroups = keyGroups
        self.familyName = familyName
        self.instance = instance
    }

    // Inlined into the walk: with the visitor's check specialized for one layout, the call per
    // entry (arguments, saved registers, the entry spilled for its out-of-line paths) cost more
    // than the body.
    @inlinable @inline(__always)
    mutating func visit(userKey key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws {
        guard let keyGroup = try FlinkRocksDBState.keyGroup(of: key, prefixBytes: prefixBytes, in: keyGroups,
                                                            family: familyName, instance: instance) else { return }
        try visitor.pointee.visit(FlinkRocksDBState.RawEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, value: value,
                                                             familyIndex: familyIndex, keyGroupPrefixBytes: prefixBytes))
    }
}
