import Bytes
import CanonicalFormat
import LSMFormat
import SavepointMetadata

/// One subtask's keyed state read from the LSM form (a native savepoint's or an incremental
/// checkpoint's RocksDB instance) as raw canonical entries, key group by key group.
///
/// RocksDB keeps one column family per state, each sorted by key, and every key starts with the
/// big-endian key-group prefix: so each family is already in key-group order, and walking all of
/// them side by side (one merged iterator per family, one pending entry each) yields one key group
/// at a time without sorting. The merged value of a list is the canonical list value (elements
/// joined by 0x2C), so entries go out exactly as the canonical form carries them.
///
/// Key groups outside the handle's range (a DB that Flink did not clip after rescaling) are
/// skipped, as Flink itself clips them on restore. Column families no state claims (`default`)
/// are ignored.
public struct LSMRawKeyedStateReader: RawKeyedStateReader {
    public let state: FlinkRocksDBState
    public let keyGroupRange: KeyGroupRange
    public let maxParallelism: Int

    public var proxy: KeyedBackendSerializationProxy { state.proxy }

    public init(state: FlinkRocksDBState, keyGroupRange: KeyGroupRange, maxParallelism: Int) {
        self.state = state
        self.keyGroupRange = keyGroupRange
        self.maxParallelism = maxParallelism
    }

    /// Opens the RocksDB instance behind `handle` (files inline in `_metadata` or beside it).
    public init(savepoint: Savepoint, handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState) throws {
        self.init(state: try savepoint.openLSMState(handle, of: op), keyGroupRange: handle.keyGroupRange,
                  maxParallelism: op.maxParallelism)
    }

    public func forEachKeyGroup(_ body: (_ group: RawKeyGroup) throws -> Void) throws {
        var families = try state.columnFamilies
            .compactMap { cf in cf.stateIndex.map { (index: $0, family: cf) } }
            .sorted { $0.index < $1.index }
            .map { try FamilyCursor(stateIndex: $0.index, family: $0.family, state: state) }
        let range = keyGroupRange.keyGroups
        var group = RawKeyGroup()
        while true {
            for i in families.indices { try families[i].skip(outside: range) }
            guard let keyGroup = families.compactMap(\.headKeyGroup).min() else { return }
            group.reset(keyGroup: keyGroup)
            for i in families.indices { try families[i].take(keyGroup: keyGroup, into: &group) }
            try body(group)
        }
    }
}

/// The visible entries of one state's column family, positioned on the next entry (in place in
/// the merged iterator's buffers).
private struct FamilyCursor {
    let stateIndex: Int
    let familyName: String
    let prefixBytes: Int
    let instance: String
    var iterator: MergedColumnFamilyIterator<TableCursor>
    /// The key group of the current entry; nil at the end.
    var headKeyGroup: Int?
    private var lastKeyGroup = -1

    init(stateIndex: Int, family: FlinkRocksDBState.ColumnFamily, state: FlinkRocksDBState) throws {
        self.stateIndex = stateIndex
        familyName = family.name
        prefixBytes = state.keyGroupPrefixBytes
        instance = state.name
        iterator = try state.visibleEntries(of: family)
        try advance()
    }

    mutating func advance() throws {
        let more: Bool
        do {
            more = try iterator.advance()
        } catch let e as FormatError where !e.message.hasPrefix("column family") {
            throw FormatError(file: e.file, offset: e.offset, "column family \"\(familyName)\": \(e.message)")
        }
        guard more else {
            headKeyGroup = nil
            return
        }
        let prefixBytes = self.prefixBytes
        let keyGroup: Int? = iterator.withCurrent { key, _ in
            guard key.count >= prefixBytes, prefixBytes > 0 else { return nil }
            return key.prefix(prefixBytes).reduce(0) { $0 << 8 | Int($1) }
        }
        guard let keyGroup else {
            let key = iterator.withCurrent { k, _ in Array(k) }
            throw FormatError(file: instance, offset: 0,
                              "column family \"\(familyName)\": key \(key.hexString) is shorter than the \(prefixBytes)-byte key-group prefix")
        }
        guard keyGroup >= lastKeyGroup else {
            throw FormatError(file: instance, offset: 0,
                              "column family \"\(familyName)\": key group \(keyGroup) after key group \(lastKeyGroup)")
        }
        lastKeyGroup = keyGroup
        headKeyGroup = keyGroup
    }

    mutating func skip(outside range: Range<Int>) throws {
        while let k = headKeyGroup, !range.contains(k) { try advance() }
    }

    mutating func take(keyGroup: Int, into group: inout RawKeyGroup) throws {
        while headKeyGroup == keyGroup {
            let index = stateIndex
            iterator.withCurrent { key, value in group.append(stateIndex: index, key: key, value: value) }
            try advance()
        }
    }
}
