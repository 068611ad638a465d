import Bytes
import CanonicalFormat
import LSMFormat
import SavepointMetadata

/// Opens the RocksDB/ForSt instance behind an incremental (LSM) keyed state handle: native
/// savepoints and incremental checkpoints. Every shared and private file is opened through
/// `Savepoint.openStream`, so inlined files come from `_metadata` and the absolute paths of a
/// moved checkpoint are mapped onto the folder it was copied to.
enum LSMKeyedState {
    /// A file of the instance that is missing or does not open (salvage): its local path, its
    /// column family and MANIFEST entry when it is a live table, and why.
    typealias UnreadableFile = (_ localPath: String, _ table: (family: String, file: FileMetaData)?, _ error: any Error) -> Void

    /// `unreadableFile` (salvage): a live table that is missing or does not open goes there instead
    /// of failing the instance (see `FlinkRocksDBState.init`), with the error of opening its file;
    /// other files that do not open fail the instance when it needs them (CURRENT, the MANIFEST),
    /// with their own error, and else go there too (OPTIONS, tables no MANIFEST lists).
    static func open(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState, in savepoint: Savepoint,
                     unreadableFile: UnreadableFile? = nil) throws -> FlinkRocksDBState {
        let proxy = try readProxy(handle, of: op, in: savepoint)
        var files: [String: any ByteSource] = [:]
        var openErrors: [String: any Error] = [:]
        for entry in handle.sharedState + handle.privateState {
            guard let stream = entry.handle else {
                throw SavepointError.notASavepoint(
                    path: savepoint.metadataPath,
                    reason: "operator \(op.displayName): LSM file \(entry.localPath) has no state handle (an unresolved placeholder?)")
            }
            do {
                files[entry.localPath] = try savepoint.openStream(stream)
            } catch where unreadableFile != nil {
                openErrors[entry.localPath] = error
            }
        }
        let range = handle.keyGroupRange
        let label = "\(savepoint.metadataPath) (operator \(op.displayName), key groups \(range.startKeyGroup)-\(range.endKeyGroup))"
        var reported: Set<String> = []
        let state = try attributing(to: label) {
            do {
                return try FlinkRocksDBState(
                    files: files, proxy: proxy, keyGroups: range.startKeyGroup...max(range.startKeyGroup, range.endKeyGroup),
                    maxParallelism: op.maxParallelism, name: label,
                    unreadableTable: unreadableFile.map { report in
                        { family, file, error in
                            reported.insert(file.fileName)
                            report(file.fileName, (family, file), openErrors[file.fileName] ?? error)
                        }
                    })
            } catch {
                throw openErrors.first { !$0.key.hasSuffix(".sst") }?.value ?? error
            }
        }
        for (path, error) in openErrors.sorted(by: { $0.key < $1.key }) where !reported.contains(path) {
            unreadableFile?(path, nil, error)
        }
        return state
    }

    /// The `KeyedBackendSerializationProxy` in the handle's meta-data stream.
    static func readProxy(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                          in savepoint: Savepoint) throws -> KeyedBackendSerializationProxy {
        guard let meta = handle.metaDataState else {
            throw SavepointError.notASavepoint(path: savepoint.metadataPath,
                                               reason: "operator \(op.displayName): LSM handle without its meta-data stream")
        }
        let source = try savepoint.openStream(meta)
        return try attributing(to: source.name) {
            var r = try source.reader(0..<source.size)
            return try KeyedBackendSerializationProxy.read(from: &r)
        }
    }
}

extension Savepoint {
    /// The RocksDB/ForSt instance behind an incremental (LSM) keyed state handle.
    public func openLSMState(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState) throws -> FlinkRocksDBState {
        try LSMKeyedState.open(handle, of: op, in: self)
    }
}
