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
        let keyGroupPrefixBytes: Int

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
    /// operands folded; a delete hides it), range deletions not applied. What the table holds is
    /// read and checked as `forEachRawEntry` reads it (checksums, order of keys, value types), so
    /// a check over every table of a family covers its visible entries and the shadowed ones too.
    /// Tables are independent: they can be walked side by side.
    public func forEachRawEntry(ofTable tableIndex: Int, inFamily familyIndex: Int,
                                _ body: (RawEntry) throws -> Void) throws {
        let family = columnFamilies[familyIndex]
        guard let stateIndex = family.stateIndex else { return }
        var entries = MergedColumnFamilyIterator(cursors: [family.tables[tableIndex].makeCursor()],
                                                 name: "column family \"\(family.name)\" of \(name)")
        try walk(&entries, stateIndex: stateIndex, familyIndex: familyIndex, body)
    }

    private func walk(_ entries: inout MergedColumnFamilyIterator<TableCursor>, stateIndex: Int, familyIndex: Int,
                      _ body: (RawEntry) throws -> Void) throws {
        // Locals, not properties: read through `self` inside the per-entry closure they are
        // retained and released per entry.
        let prefixBytes = keyGroupPrefixBytes, keyGroups = keyGroups
        let familyName = columnFamilies[familyIndex].name
        while try Self.naming(familyName, { try entries.advance() }) {
            try entries.withCurrent { key, value in
                guard let keyGroup = KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes),
                      keyGroups.contains(keyGroup) else {
                    if key.count < prefixBytes {
                        throw FormatError(file: name, offset: 0,
                                          "column family \"\(familyName)\": key \(Array(key).hexString) is shorter than the key-group prefix")
                    }
                    return
                }
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
}
