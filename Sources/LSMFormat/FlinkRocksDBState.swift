import Bytes
import CanonicalFormat

/// The keyed state of one RocksDB (or ForSt) instance as Flink stores it in a native savepoint or
/// an incremental checkpoint: the files of one `IncrementalRemoteKeyedStateHandle`, read as
/// RocksDB would open them (CURRENT → MANIFEST → live tables per column family) and decoded with
/// the states' serializers from the handle's meta-data stream.
///
/// Flink's mapping: one column family per registered state, named exactly as the state (timers
/// included, as `_timer_state/<processing|event>_<service>`); the `default` column family holds
/// nothing of Flink's. Keys are the canonical composite keys (key-group prefix, key, namespace
/// [, map user key]) and values the canonical value bytes, except that list state is written as
/// merge operands, which the merge (`MergedColumnFamilyIterator`) joins into the canonical list layout.
///
/// ForSt (Flink 2.x's disaggregated backend, a RocksDB fork): its native savepoints use the same
/// handle type, the same block-based table, MANIFEST and CURRENT files (`000018.sst`,
/// `MANIFEST-000005`, `OPTIONS-000017`), one column family per state (timers included with
/// `state.backend.forst.timer-service.factory: ForStDB`), the same merge operator
/// (`StringAppendTESTOperator`) and the same composite key layout, so this reader applies
/// unchanged. Checked on real bytes (fixture `2.3.0/basic/forst-native`, ForSt on RocksDB 8.10,
/// table format_version 5, XXH3 checksums like Flink 2.3's RocksDB). What differs from RocksDB:
/// Flink's ForSt defaults to `state.backend.forst.memory.partitioned-index-filters: true`, so its
/// tables have a two-level (partitioned) index (`index_type=kTwoLevelIndexSearch`, index type 2
/// in the properties: a top-level index over index partitions, see `BlockBasedTable`) and
/// `partition_filters=true`; its OPTIONS file names a `db_log_dir`. ForSt's DB may also live on a
/// remote file system, but the savepoint's files are uploaded as plain files either way.
public struct FlinkRocksDBState {
    /// One column family: its MANIFEST entry, the state it belongs to, and its opened tables.
    public struct ColumnFamily {
        public var id: UInt32
        public var name: String
        /// Index into `proxy.states`, or nil for `default` and families no state claims.
        public var stateIndex: Int?
        public var files: [(level: Int, file: FileMetaData)]
        /// The opened tables, in the order of `files`.
        public var tables: [BlockBasedTable]
    }

    public let proxy: KeyedBackendSerializationProxy
    public let schemas: [KeyedStateSchema]
    public let version: Version
    public let columnFamilies: [ColumnFamily]
    /// Entries of key groups outside this range are skipped (a rescaled DB may hold them).
    public let keyGroups: ClosedRange<Int>
    public let keyGroupPrefixBytes: Int
    /// For errors: what this instance is (e.g. the operator and subtask).
    public let name: String

    /// Opens an instance from its files by local name (`CURRENT`, `MANIFEST-…`, `000042.sst`, …).
    /// With `unreadableTable` set (salvage), a table that is not there or does not open is handed
    /// to it and left out of its column family, instead of failing the instance.
    public init(files: [String: any ByteSource], proxy: KeyedBackendSerializationProxy,
                keyGroups: ClosedRange<Int>, maxParallelism: Int, name: String = "RocksDB instance",
                tableOptions: BlockBasedTable.Options = .init(),
                unreadableTable: ((_ family: String, _ file: FileMetaData, _ error: any Error) -> Void)? = nil) throws {
        self.proxy = proxy
        self.keyGroups = keyGroups
        self.name = name
        keyGroupPrefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism)
        schemas = proxy.states.map { KeyedStateSchema(metaInfo: $0, keySerializer: proxy.keySerializer) }
        let current = try Self.file("CURRENT", in: files, instance: name)
        let manifestName = try CurrentFile.manifestName(try current.read(0..<current.size), name: current.name)
        let manifest = try Self.file(manifestName, in: files, instance: name)
        version = try Manifest.read(try manifest.read(0..<manifest.size), name: manifest.name)
        let stateNames = proxy.states.map(\.name)
        columnFamilies = try version.orderedColumnFamilies.map { cf in
            var files_: [(level: Int, file: FileMetaData)] = [], tables: [BlockBasedTable] = []
            for entry in cf.files {
                do {
                    tables.append(try BlockBasedTable(source: try Self.file(entry.file.fileName, in: files, instance: name),
                                                      options: tableOptions))
                    files_.append(entry)
                } catch {
                    guard let unreadableTable else { throw error }
                    unreadableTable(cf.name, entry.file, error)
                }
            }
            let index = cf.name == Version.defaultColumnFamilyName ? nil : stateNames.firstIndex(of: cf.name)
            return ColumnFamily(id: cf.id, name: cf.name, stateIndex: index, files: files_, tables: tables)
        }
    }

    static func file(_ localPath: String, in files: [String: any ByteSource], instance: String) throws -> any ByteSource {
        guard let source = files[localPath] else {
            throw FormatError(file: instance, offset: 0,
                              "the state handle lists no file \"\(localPath)\" (files: \(files.keys.sorted().prefix(8).joined(separator: ", "))…)")
        }
        return source
    }

    /// The visible raw entries of one column family in key order.
    public func visibleEntries(of family: ColumnFamily) throws -> MergedColumnFamilyIterator<TableCursor> {
        let tombstones = try family.tables.flatMap { try $0.rangeTombstones() }
        return MergedColumnFamilyIterator(cursors: family.tables.map { $0.makeCursor() }, rangeTombstones: tombstones,
                                          name: "column family \"\(family.name)\" of \(name)")
    }

    /// Calls `body` with every visible entry of every state, state by state (in the proxy's order)
    /// and in key order within a state. `stateFilter` (a state index) skips the others unread.
    public func forEachEntry(stateFilter: ((Int) -> Bool)? = nil, _ body: (KeyedStateEntry) throws -> Void) throws {
        try forEachRawEntry(stateFilter: stateFilter) { try body(try decode($0)) }
    }

    /// Puts the column family on errors of the table reader (checksums, truncation), which name
    /// the file and block offset but not the family.
    @usableFromInline
    static func naming<T>(_ family: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as FormatError where !e.message.hasPrefix("column family") {
            throw FormatError(file: e.file, offset: e.offset, "column family \"\(family)\": \(e.message)")
        }
    }

    /// The key group from the big-endian prefix of a composite key.
    func keyGroup(of key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { KeyGroupPrefix.keyGroup(of: $0, prefixBytes: keyGroupPrefixBytes) }
    }

    func decode(_ entry: VisibleEntry, stateIndex: Int, family: String) throws -> KeyedStateEntry {
        do {
            return try CanonicalRawEntryBridge.decode(
                key: entry.userKey, value: entry.value, stateIndex: stateIndex,
                keyGroupPrefixBytes: keyGroupPrefixBytes, schema: schemas[stateIndex])
        } catch let e as FormatError {
            throw FormatError(file: name, offset: e.offset,
                              "column family \"\(family)\", key \(entry.userKey.hexString): \(e.message)")
        }
    }
}
