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
        // Locals, not properties: read through `self` inside the per-entry closure they are
        // retained and released per entry.
        let prefixBytes = keyGroupPrefixBytes, keyGroups = keyGroups
        for (stateIndex, familyIndex) in families where stateFilter?(stateIndex) ?? true {
            let family = columnFamilies[familyIndex]
            var entries = try visibleEntries(of: family)
            while try Self.naming(family.name, { try entries.advance() }) {
                try entries.withCurrent { key, value in
                    guard let keyGroup = KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes),
                          keyGroups.contains(keyGroup) else {
                        if key.count < prefixBytes {
                            throw FormatError(file: name, offset: 0,
                                              "column family \"\(family.name)\": key \(Array(key).hexString) is shorter than the key-group prefix")
                        }
                        return
                    }
                    try body(RawEntry(stateIndex: stateIndex, keyGroup: keyGroup, key: key, value: value,
                                      familyIndex: familyIndex, keyGroupPrefixBytes: prefixBytes))
                }
            }
        }
    }

    /// Decodes a raw entry with its state's serializers, with `forEachEntry`'s errors.
    public func decode(_ entry: RawEntry) throws -> KeyedStateEntry {
        try decode(VisibleEntry(userKey: Array(entry.key), value: Array(entry.value)),
                   stateIndex: entry.stateIndex, family: columnFamilies[entry.familyIndex].name)
    }
}
