import Bytes
import CanonicalFormat
import SavepointMetadata

/// Raw entries of a keyed state stream (a key-groups handle), either layout:
/// - canonical (canonical savepoints of both backends, RocksDB full checkpoints): keys and values
///   are handed on as stored;
/// - heap (hashmap checkpoints and native savepoints): the heap layout has no canonical bytes, so
///   each entry is decoded with the state's serializers and encoded canonically (a heap list is
///   one entry with its elements joined by 0x2C, a heap map one entry per user key).
/// Each key group is sorted (a no-op when it already is): the heap backend writes hash order.
public struct KeyedStateStreamRawReader: RawKeyedStateReader {
    public let stream: KeyedStateStream
    public let keyGroupRange: KeyGroupRange
    /// Set (`--skip-corrupt`): a key group whose block does not read is logged here and left out.
    var salvage: SalvageContext?
    /// Off: key groups are handed over in stored order, not canonical order (a salvaging dump).
    var sortsKeyGroups = true
    /// Set (for a canonical writer, which needs each state's entries in one run and no order
    /// within it): a canonical-layout key group grouped by state is handed over in stored order,
    /// without sorting. Flink's heap backend writes canonical savepoints in hash order.
    var keepsStoredOrder = false

    public init(stream: KeyedStateStream, keyGroupRange: KeyGroupRange) {
        self.stream = stream
        self.keyGroupRange = keyGroupRange
    }

    public var proxy: KeyedBackendSerializationProxy { stream.proxy }
    public var maxParallelism: Int { stream.maxParallelism }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        let prefixBytes = stream.keyGroupPrefixBytes
        var group = RawKeyGroup()
        for (keyGroup, range) in stream.keyGroupRanges() {
            group.reset(keyGroup: keyGroup)
            do {
                try read(range, prefixBytes: prefixBytes, into: &group)
            } catch {
                guard let salvage else { throw error }
                salvage.skip(file: stream.source.name, keyGroups: keyGroup...keyGroup, byteOffset: range.lowerBound, error: error)
                continue
            }
            guard !group.isEmpty else { continue }
            if sortsKeyGroups, !(keepsStoredOrder && stream.layout == .canonical && group.isGroupedByState) {
                group.sortIntoCanonicalOrder()
            }
            try body(group)
        }
    }

    /// The entries of the key group `group` was reset to, from its block at `range`.
    private func read(_ range: Range<Int>, prefixBytes: Int, into group: inout RawKeyGroup) throws {
        switch stream.layout {
        case .canonical: try readCanonical(range, prefixBytes: prefixBytes, into: &group)
        case .heap: try readHeap(range, prefixBytes: prefixBytes, into: &group)
        }
    }

    private func readCanonical(_ range: Range<Int>, prefixBytes: Int, into group: inout RawKeyGroup) throws {
        try stream.forEachEntryBytes(inKeyGroup: group.keyGroup, byteRange: range) { stateIndex, keyAfterPrefix, value in
            group.append(stateIndex: stateIndex, keyGroupPrefixBytes: prefixBytes, keyAfterPrefix: keyAfterPrefix, value: value)
        }
    }

    private func readHeap(_ range: Range<Int>, prefixBytes: Int, into group: inout RawKeyGroup) throws {
        let schemas = stream.schemas
        try stream.forEachEntry(inKeyGroup: group.keyGroup, byteRange: range) { entry in
            // Empty lists are never snapshotted by Flink's canonical writers; skip them too.
            if case let .list(elements) = entry.value, elements.isEmpty { return }
            let (key, value) = try schemas[entry.stateIndex].encodeCanonical(entry, keyGroupPrefixBytes: prefixBytes)
            group.append(stateIndex: entry.stateIndex, key: key, value: value)
        }
    }
}

extension KeyedStateStreamRawReader {
    /// A canonical stream is digested in place: no copy into key groups and no sorting (a digest
    /// does not depend on order). Entries of a foreign key group are an error, as in
    /// `forEachKeyGroup`. A heap stream is decoded key group by key group.
    public func digest() throws -> StateDigest {
        guard stream.layout == .canonical else { return try digestByKeyGroup() }
        let box = DigestBox(for: self)
        for (keyGroup, range) in stream.keyGroupRanges() {
            try box.adding { add in
                try stream.forEachEntryBytes(inKeyGroup: keyGroup, byteRange: range) { stateIndex, keyAfterPrefix, value in
                    add(stateIndex, StateDigest.hash(keyGroup: keyGroup, keyAfterPrefix: keyAfterPrefix, value: value))
                }
            }
        }
        return box.digest
    }
}
