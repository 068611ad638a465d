import Bytes

/// Handles of the changelog state backend (FLIP-158). Savepoints never contain them, but retained
/// checkpoints of changelog jobs do; they are parsed fully so such `_metadata` reads and round-trips.

/// `ChangelogStateBackendHandle` (tags 8, 14): materialized handles plus the changelog since.
public struct ChangelogStateBackendHandle: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case v1 = 8
        /// Adds the checkpoint id.
        case v2 = 14
    }

    public var kind: Kind
    public var keyGroupRange: KeyGroupRange
    public var checkpointedSize: Int64
    /// Null entries are tolerated by Flink (with a warning) and kept so the bytes round-trip.
    public var materializedStateHandles: [KeyedStateHandle?]
    public var nonMaterializedStateHandles: [KeyedStateHandle?]
    public var materializationId: Int64
    /// Only for `.v2`.
    public var checkpointId: Int64?
    public var stateHandleId: String

    public init(
        kind: Kind, keyGroupRange: KeyGroupRange, checkpointedSize: Int64,
        materializedStateHandles: [KeyedStateHandle?], nonMaterializedStateHandles: [KeyedStateHandle?],
        materializationId: Int64, checkpointId: Int64?, stateHandleId: String
    ) {
        self.kind = kind
        self.keyGroupRange = keyGroupRange
        self.checkpointedSize = checkpointedSize
        self.materializedStateHandles = materializedStateHandles
        self.nonMaterializedStateHandles = nonMaterializedStateHandles
        self.materializationId = materializationId
        self.checkpointId = checkpointId
        self.stateHandleId = stateHandleId
    }

    static func readBody(from reader: inout ByteReader, kind: Kind, depth: Int) throws -> ChangelogStateBackendHandle {
        let range = try KeyGroupRange.read(from: &reader)
        let checkpointedSize = try reader.readI64("a checkpointed size")
        let materialized = try readHandles(from: &reader, what: "the number of materialized handles", depth: depth)
        let delta = try readHandles(from: &reader, what: "the number of changelog handles", depth: depth)
        let materializationId = try reader.readI64("a materialization id")
        let checkpointId = kind == .v2 ? try reader.readI64("a checkpoint id") : nil
        let id = try reader.readJavaUTF("a state handle id")
        return ChangelogStateBackendHandle(
            kind: kind, keyGroupRange: range, checkpointedSize: checkpointedSize,
            materializedStateHandles: materialized, nonMaterializedStateHandles: delta,
            materializationId: materializationId, checkpointId: checkpointId, stateHandleId: id)
    }

    private static func readHandles(
        from reader: inout ByteReader, what: StaticString, depth: Int
    ) throws -> [KeyedStateHandle?] {
        let count = try reader.readElementCount(what, minimumBytes: 1)
        var handles = [KeyedStateHandle?]()
        handles.reserveCapacity(count)
        for _ in 0..<count { handles.append(try KeyedStateHandle.read(from: &reader, depth: depth)) }
        return handles
    }

    func writeBody(to writer: inout ByteWriter) throws {
        keyGroupRange.write(to: &writer)
        writer.writeI64(checkpointedSize)
        for handles in [materializedStateHandles, nonMaterializedStateHandles] {
            try writer.writeElementCount(handles.count, "changelog backend handles")
            for handle in handles { try KeyedStateHandle.write(handle, to: &writer) }
        }
        writer.writeI64(materializationId)
        if kind == .v2 { writer.writeI64(checkpointId ?? materializationId) }
        try writer.writeModifiedUTF8(stateHandleId)
    }
}

/// `InMemoryChangelogStateHandle` (tag 9): state changes kept inline.
public struct InMemoryChangelogStateHandle: Sendable, Equatable {
    /// One change: its key group (or Flink's meta key group, -1) and its serialized bytes.
    public struct StateChange: Sendable, Equatable {
        public var keyGroup: Int32
        public var change: [UInt8]
        public init(keyGroup: Int32, change: [UInt8]) {
            self.keyGroup = keyGroup
            self.change = change
        }
    }

    public var keyGroupRange: KeyGroupRange
    public var from: Int64
    public var to: Int64
    public var changes: [StateChange]
    public var stateHandleId: String

    public init(keyGroupRange: KeyGroupRange, from: Int64, to: Int64, changes: [StateChange], stateHandleId: String) {
        self.keyGroupRange = keyGroupRange
        self.from = from
        self.to = to
        self.changes = changes
        self.stateHandleId = stateHandleId
    }

    static func readBody(from reader: inout ByteReader) throws -> InMemoryChangelogStateHandle {
        let range = try KeyGroupRange.read(from: &reader)
        let from = try reader.readI64("a changelog start sequence number")
        let to = try reader.readI64("a changelog end sequence number")
        let count = try reader.readElementCount("the number of state changes", minimumBytes: 8)
        var changes = [StateChange]()
        changes.reserveCapacity(count)
        for _ in 0..<count {
            let keyGroup = try reader.readI32("a state change key group")
            let length = try reader.readCount("the length of a state change")
            changes.append(StateChange(keyGroup: keyGroup, change: try reader.readBytes(length, what: "a state change")))
        }
        let id = try reader.readJavaUTF("a state handle id")
        return InMemoryChangelogStateHandle(keyGroupRange: range, from: from, to: to, changes: changes, stateHandleId: id)
    }

    func writeBody(to writer: inout ByteWriter) throws {
        keyGroupRange.write(to: &writer)
        writer.writeI64(from)
        writer.writeI64(to)
        try writer.writeElementCount(changes.count, "state changes")
        for change in changes {
            writer.writeI32(change.keyGroup)
            try writer.writeElementCount(change.change.count, "state change bytes")
            writer.writeBytes(change.change)
        }
        try writer.writeModifiedUTF8(stateHandleId)
    }
}

/// `ChangelogStateHandleStreamImpl` (tags 10, 13): changes stored in DSTL files, each at an offset.
public struct ChangelogStateHandleStreamImpl: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case v1 = 10
        /// Adds the storage identifier.
        case v2 = 13
    }

    public struct HandleAndOffset: Sendable, Equatable {
        public var offset: Int64
        public var handle: StreamStateHandle?
        public init(offset: Int64, handle: StreamStateHandle?) {
            self.offset = offset
            self.handle = handle
        }
    }

    public var kind: Kind
    public var keyGroupRange: KeyGroupRange
    public var handlesAndOffsets: [HandleAndOffset]
    public var stateSize: Int64
    public var checkpointedSize: Int64
    public var stateHandleId: String
    /// Only for `.v2` (Flink assumes "filesystem" for `.v1`).
    public var storageIdentifier: String?

    public init(
        kind: Kind, keyGroupRange: KeyGroupRange, handlesAndOffsets: [HandleAndOffset], stateSize: Int64,
        checkpointedSize: Int64, stateHandleId: String, storageIdentifier: String?
    ) {
        self.kind = kind
        self.keyGroupRange = keyGroupRange
        self.handlesAndOffsets = handlesAndOffsets
        self.stateSize = stateSize
        self.checkpointedSize = checkpointedSize
        self.stateHandleId = stateHandleId
        self.storageIdentifier = storageIdentifier
    }

    static func readBody(from reader: inout ByteReader, kind: Kind, depth: Int) throws -> ChangelogStateHandleStreamImpl {
        let range = try KeyGroupRange.read(from: &reader)
        let count = try reader.readElementCount("the number of changelog files", minimumBytes: 9)
        var entries = [HandleAndOffset]()
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let offset = try reader.readI64("a changelog offset")
            entries.append(HandleAndOffset(offset: offset, handle: try StreamStateHandle.read(from: &reader, depth: depth)))
        }
        let size = try reader.readI64("a changelog state size")
        let checkpointedSize = try reader.readI64("a checkpointed size")
        let id = try reader.readJavaUTF("a state handle id")
        let storage = kind == .v2 ? try reader.readJavaUTF("a changelog storage identifier") : nil
        return ChangelogStateHandleStreamImpl(
            kind: kind, keyGroupRange: range, handlesAndOffsets: entries, stateSize: size,
            checkpointedSize: checkpointedSize, stateHandleId: id, storageIdentifier: storage)
    }

    func writeBody(to writer: inout ByteWriter) throws {
        keyGroupRange.write(to: &writer)
        try writer.writeElementCount(handlesAndOffsets.count, "changelog files")
        for entry in handlesAndOffsets {
            writer.writeI64(entry.offset)
            try StreamStateHandle.write(entry.handle, to: &writer)
        }
        writer.writeI64(stateSize)
        writer.writeI64(checkpointedSize)
        try writer.writeModifiedUTF8(stateHandleId)
        if kind == .v2 { try writer.writeModifiedUTF8(storageIdentifier ?? "filesystem") }
    }
}
