import Bytes

/// The files of one RocksDB/ForSt instance (`IncrementalRemoteKeyedStateHandle`): written by
/// incremental checkpoints and native savepoints. `metaDataState` holds the serialization proxy
/// header; shared and private state list every SST/MANIFEST/CURRENT/OPTIONS file by local name.
public struct IncrementalRemoteKeyedStateHandle: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// Tag 5: before checkpointed size and state handle id were added.
        case v1 = 5
        /// Tag 11: with checkpointed size and state handle id.
        case v2 = 11
    }

    public var kind: Kind
    public var checkpointId: Int64
    /// The backend's UUID as text (older Flink wrote other strings; kept as written).
    public var backendIdentifier: String
    public var keyGroupRange: KeyGroupRange
    /// Only for `.v2`.
    public var checkpointedSize: Int64?
    public var metaDataState: StreamStateHandle?
    public var sharedState: [HandleAndLocalPath]
    public var privateState: [HandleAndLocalPath]
    /// Only for `.v2`.
    public var stateHandleId: String?

    public init(
        kind: Kind, checkpointId: Int64, backendIdentifier: String, keyGroupRange: KeyGroupRange,
        checkpointedSize: Int64?, metaDataState: StreamStateHandle?, sharedState: [HandleAndLocalPath],
        privateState: [HandleAndLocalPath], stateHandleId: String?
    ) {
        self.kind = kind
        self.checkpointId = checkpointId
        self.backendIdentifier = backendIdentifier
        self.keyGroupRange = keyGroupRange
        self.checkpointedSize = checkpointedSize
        self.metaDataState = metaDataState
        self.sharedState = sharedState
        self.privateState = privateState
        self.stateHandleId = stateHandleId
    }

    static func readBody(from reader: inout ByteReader, kind: Kind, depth: Int) throws -> IncrementalRemoteKeyedStateHandle {
        let checkpointId = try reader.readI64("a checkpoint id")
        let backend = try reader.readJavaUTF("a backend identifier")
        let range = try KeyGroupRange.read(from: &reader)
        let checkpointedSize = kind == .v2 ? try reader.readI64("a checkpointed size") : nil
        let meta = try StreamStateHandle.read(from: &reader, depth: depth)
        let shared = try HandleAndLocalPath.readList(from: &reader, depth: depth)
        let privateState = try HandleAndLocalPath.readList(from: &reader, depth: depth)
        let id = kind == .v2 ? try reader.readJavaUTF("a state handle id") : nil
        return IncrementalRemoteKeyedStateHandle(
            kind: kind, checkpointId: checkpointId, backendIdentifier: backend, keyGroupRange: range,
            checkpointedSize: checkpointedSize, metaDataState: meta, sharedState: shared,
            privateState: privateState, stateHandleId: id)
    }

    func writeBody(to writer: inout ByteWriter) throws {
        writer.writeI64(checkpointId)
        try writer.writeModifiedUTF8(backendIdentifier)
        keyGroupRange.write(to: &writer)
        if kind == .v2 { writer.writeI64(checkpointedSize ?? -1) }
        try StreamStateHandle.write(metaDataState, to: &writer)
        try HandleAndLocalPath.writeList(sharedState, to: &writer)
        try HandleAndLocalPath.writeList(privateState, to: &writer)
        if kind == .v2 { try writer.writeModifiedUTF8(stateHandleId ?? "") }
    }
}

/// A file of a RocksDB instance: its name in the local instance directory and where it is stored.
public struct HandleAndLocalPath: Sendable, Equatable {
    public var localPath: String
    public var handle: StreamStateHandle?

    public init(localPath: String, handle: StreamStateHandle?) {
        self.localPath = localPath
        self.handle = handle
    }

    /// `i32 n, n × {UTF localPath, StreamHandle}`; each entry takes at least 3 bytes.
    static func readList(from reader: inout ByteReader, depth: Int) throws -> [HandleAndLocalPath] {
        let count = try reader.readElementCount("the number of RocksDB files", minimumBytes: 3)
        var list = [HandleAndLocalPath]()
        list.reserveCapacity(count)
        for _ in 0..<count {
            let path = try reader.readJavaUTF("a RocksDB file's local path")
            list.append(HandleAndLocalPath(localPath: path, handle: try StreamStateHandle.read(from: &reader, depth: depth)))
        }
        return list
    }

    static func writeList(_ list: [HandleAndLocalPath], to writer: inout ByteWriter) throws {
        try writer.writeElementCount(list.count, "RocksDB files")
        for entry in list {
            try writer.writeModifiedUTF8(entry.localPath)
            try StreamStateHandle.write(entry.handle, to: &writer)
        }
    }
}
