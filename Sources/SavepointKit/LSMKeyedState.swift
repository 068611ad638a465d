import Bytes
import CanonicalFormat
import LSMFormat
import SavepointMetadata

/// Opens the RocksDB/ForSt instance behind an incremental (LSM) keyed state handle: native
/// savepoints and incremental checkpoints. Every shared and private file is opened through
/// `Savepoint.openStream`, so inlined files come from `_metadata` and the absolute paths of a
/// moved checkpoint are mapped onto the folder it was copied to.
enum LSMKeyedState {
    static func open(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                     in savepoint: Savepoint) throws -> FlinkRocksDBState {
        let proxy = try readProxy(handle, of: op, in: savepoint)
        var files: [String: any ByteSource] = [:]
        for entry in handle.sharedState + handle.privateState {
            guard let stream = entry.handle else {
                throw SavepointError.notASavepoint(
                    path: savepoint.metadataPath,
                    reason: "operator \(op.displayName): LSM file \(entry.localPath) has no state handle (an unresolved placeholder?)")
            }
            files[entry.localPath] = try savepoint.openStream(stream)
        }
        let range = handle.keyGroupRange
        let label = "\(savepoint.metadataPath) (operator \(op.displayName), key groups \(range.startKeyGroup)-\(range.endKeyGroup))"
        return try attributing(to: label) {
            try FlinkRocksDBState(files: files, proxy: proxy,
                                  keyGroups: range.startKeyGroup...max(range.startKeyGroup, range.endKeyGroup),
                                  maxParallelism: op.maxParallelism, name: label)
        }
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
