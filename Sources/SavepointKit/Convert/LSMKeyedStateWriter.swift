import Bytes
import CanonicalFormat
import Foundation
import LSMFormat
import SavepointMetadata
import Storage

/// Writes one subtask's keyed state in the LSM form: the RocksDB instance a Flink native savepoint
/// carries (SSTs, MANIFEST, CURRENT, OPTIONS) and the `IncrementalRemoteKeyedStateHandle` (tag 11)
/// that lists its files under Flink's local names.
///
/// Layout, as Flink's RocksDB backend expects it on restore: one column family per state of the
/// serialization proxy, named as the state, ids from 1 in the proxy's order (`default` = 0, empty);
/// every entry a Put of the canonical key and value (a list's joined value is the base its merge
/// operator appends to), with increasing sequence numbers. Each family streams into its own SST,
/// closed and continued in a new one at `targetFileSize`, so memory stays at one key group plus
/// one data block per family.
public enum LSMKeyedStateWriter {
    /// Writes `reader`'s key groups as a RocksDB instance into `placement.directory` and returns
    /// its handle: SST, MANIFEST, CURRENT and OPTIONS files as private state under their local
    /// names (`000010.sst`, `MANIFEST-000012`, `CURRENT`, `OPTIONS-000013`), each stored as
    /// `placement` decides (inline below its threshold, else a file with a UUID name);
    /// `metaDataState` the serialization proxy; no shared state; `checkpointedSize` the sum of
    /// all of them. Throws `FormatError` on input a RocksDB instance cannot hold (a key outside
    /// its key group, duplicate or unordered keys, an unknown state index); files written before
    /// the error are removed.
    public static func write(
        _ reader: some RawKeyedStateReader, options: LSMWriteOptions, placement: StreamPlacement
    ) throws -> IncrementalRemoteKeyedStateHandle {
        var run = try LSMInstanceWriter(proxy: reader.proxy, maxParallelism: reader.maxParallelism,
                                        keyGroupRange: reader.keyGroupRange, options: options, placement: placement)
        do {
            try reader.forEachKeyGroup { group in try run.add(group) }
            return try run.finish()
        } catch {
            run.removeWrittenFiles()
            throw error
        }
    }
}

/// The state of one `LSMKeyedStateWriter.write`: the open table of each family, the finished
/// ones, and the counters (file numbers, sequence numbers) shared by all families.
struct LSMInstanceWriter {
    let proxy: KeyedBackendSerializationProxy
    let keyGroupRange: KeyGroupRange
    let prefixBytes: Int
    let options: LSMWriteOptions
    let placement: StreamPlacement
    private var families: [LSMFamilyWriter]
    private var nextFileNumber: UInt64
    private var nextSequence: UInt64 = 1
    /// Files created in `placement.directory` by this run (removed on failure).
    private var created: [String] = []
    private var internalKey: [UInt8] = []

    init(proxy: KeyedBackendSerializationProxy, maxParallelism: Int, keyGroupRange: KeyGroupRange,
         options: LSMWriteOptions, placement: StreamPlacement) throws {
        self.proxy = proxy
        self.keyGroupRange = keyGroupRange
        self.options = options
        self.placement = placement
        prefixBytes = FlinkHashing.keyGroupPrefixBytes(maxParallelism: maxParallelism)
        nextFileNumber = max(1, options.firstFileNumber)
        let names = proxy.states.map(\.name)
        guard !names.contains(Version.defaultColumnFamilyName), Set(names).count == names.count else {
            throw FormatError(offset: 0, "state names must be unique and not \"default\" to be column families: \(names)")
        }
        families = names.enumerated().map { LSMFamilyWriter(id: UInt32($0.offset + 1), name: $0.element) }
    }

    mutating func add(_ group: RawKeyGroup) throws {
        let keyGroup = group.keyGroup
        guard keyGroupRange.contains(keyGroup) else {
            throw FormatError(offset: 0, "key group \(keyGroup) lies outside the handle's \(keyGroupRange)")
        }
        try group.forEach { stateIndex, key, value in
            guard families.indices.contains(stateIndex) else {
                throw FormatError(offset: 0, "entry of state index \(stateIndex), but the proxy has \(families.count) states")
            }
            guard KeyGroupPrefix.keyGroup(of: key, prefixBytes: prefixBytes) == keyGroup else {
                throw FormatError(offset: 0, "state \"\(families[stateIndex].name)\": key \(Array(key).hexString) "
                    + "does not start with the \(prefixBytes)-byte prefix of key group \(keyGroup)")
            }
            try put(stateIndex: stateIndex, userKey: key, value: value)
        }
    }

    private mutating func put(stateIndex i: Int, userKey: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) throws {
        if families[i].open == nil {
            let name = placement.newFileName()
            created.append(name)
            try families[i].start(number: nextFileNumber, fileName: name, path: placement.path(name), in: placement.storage,
                              options: tableOptions(for: families[i], number: nextFileNumber))
            nextFileNumber += 1
        }
        // The internal key built in a reused buffer.
        internalKey.removeAll(keepingCapacity: true)
        InternalKey.appendEncoded(userKey: userKey, sequence: nextSequence, typeByte: ValueType.value.rawValue, to: &internalKey)
        nextSequence += 1
        do {
            try internalKey.withUnsafeBufferPointer { try families[i].open!.builder.add(encodedKey: $0, value: value) }
        } catch let e as FormatError {
            throw FormatError(file: e.file, offset: e.offset, "state \"\(families[i].name)\": \(e.message)")
        }
        if families[i].open!.builder.fileSize >= options.targetFileSize {
            try families[i].close(level: options.level, release: options.release)
        }
    }

    private func tableOptions(for family: LSMFamilyWriter, number: UInt64) -> TableOptions {
        var t = TableOptions(columnFamilyID: family.id, columnFamilyName: family.name, release: options.release,
                             compression: options.compression)
        t.blockSize = options.blockSize
        if options.release == .frocksdb8_10 { t.originalFileNumber = number }
        return t
    }

    /// Closes every open table, writes MANIFEST/CURRENT/OPTIONS and the meta-data stream, and
    /// places every file.
    mutating func finish() throws -> IncrementalRemoteKeyedStateHandle {
        for i in families.indices { try families[i].close(level: options.level, release: options.release) }
        var layouts = [ColumnFamilyLayout(id: 0, name: Version.defaultColumnFamilyName)]
        layouts += families.map { ColumnFamilyLayout(id: $0.id, name: $0.name, files: $0.finished.map { ($0.level, $0.meta) }) }
        var directory = RocksDBDirectoryWriter(
            columnFamilies: layouts,
            tableOptions: TableOptions(columnFamilyID: 0, columnFamilyName: Version.defaultColumnFamilyName,
                                       release: options.release, compression: options.compression),
            lastSequence: nextSequence - 1)
        directory.writesOptionsFile = options.writesOptionsFile
        var privateState: [HandleAndLocalPath] = []
        var size: Int64 = 0
        for family in families {
            for table in family.finished {
                let handle = try placement.placeFile(named: table.storedName)
                privateState.append(HandleAndLocalPath(localPath: table.meta.fileName, handle: handle))
                size += Int64(table.meta.size)
            }
        }
        for (name, bytes) in try directory.files() {
            privateState.append(HandleAndLocalPath(localPath: name, handle: try place(bytes)))
            size += Int64(bytes.count)
        }
        var proxy = self.proxy
        if let flag = options.keyGroupCompressionFlag { proxy.usingKeyGroupCompression = flag }
        var meta = ByteWriter()
        try proxy.write(to: &meta)
        size += Int64(meta.bytes.count)
        return IncrementalRemoteKeyedStateHandle(
            kind: .v2, checkpointId: options.checkpointId,
            backendIdentifier: options.backendIdentifier ?? UUID().uuidString.lowercased(),
            keyGroupRange: keyGroupRange, checkpointedSize: size, metaDataState: try place(meta.bytes),
            sharedState: [], privateState: privateState, stateHandleId: UUID().uuidString.lowercased())
    }

    private mutating func place(_ bytes: [UInt8]) throws -> StreamStateHandle {
        let handle = try placement.place(bytes)
        if case let .relativeFile(path, _) = handle { created.append(path) }
        return handle
    }

    /// Best effort: the caller's temporary directory is removed anyway on failure.
    func removeWrittenFiles() {
        for name in created { try? placement.storage.remove(placement.path(name)) }
    }
}

/// One column family being written: its open table (if any) and its finished tables.
struct LSMFamilyWriter {
    struct OpenTable {
        var number: UInt64
        var storedName: String
        var sink: StorageTableSink
        var builder: TableBuilder
    }

    struct FinishedTable {
        var level: Int
        var meta: FileMetaData
        /// The file's name in the output directory (a UUID, unique across subtasks).
        var storedName: String
    }

    let id: UInt32
    let name: String
    var open: OpenTable?
    var finished: [FinishedTable] = []

    init(id: UInt32, name: String) {
        self.id = id
        self.name = name
    }

    mutating func start(number: UInt64, fileName: String, path: String, in storage: any Storage, options: TableOptions) throws {
        let sink = StorageTableSink(try storage.create(path), path: path)
        open = OpenTable(number: number, storedName: fileName, sink: sink, builder: try TableBuilder(options: options, sink: sink))
    }

    mutating func close(level: Int, release: RocksDBRelease) throws {
        guard let table = open else { return }
        open = nil
        let summary = try table.builder.finish()
        try table.sink.writer.finish()
        guard let meta = summary.fileMetaData(number: table.number, release: release) else {
            throw FormatError(file: table.storedName, offset: 0, "column family \"\(name)\": an SST without entries")
        }
        finished.append(FinishedTable(level: level, meta: meta, storedName: table.storedName))
    }
}

/// A table streamed into a file of the output storage.
final class StorageTableSink: TableSink {
    let writer: any StorageWriter
    let path: String

    init(_ writer: any StorageWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    func write(_ bytes: [UInt8]) throws {
        do { try writer.write(bytes) } catch let e as StorageError {
            throw FormatError(file: path, offset: 0, "write failed: \(e.reason)")
        }
    }
}
