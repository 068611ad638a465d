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
    /// Set (`--skip-corrupt`): what a state's column family may have lost in damage is logged
    /// here and left out (`forEachKeyGroupSalvaging`).
    var salvage: SalvageContext?
    /// Salvage: the tables that did not open, by column family.
    var unreadableTables: [String: [LSMDamage]] = [:]

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
        if let salvage { return try forEachKeyGroupSalvaging(salvage, body) }
        var families = try state.columnFamilies
            .compactMap { cf in cf.stateIndex.map { (index: $0, family: cf) } }
            .sorted { $0.index < $1.index }
            .map { try state.keyGroupCursor(stateIndex: $0.index, family: $0.family) }
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
