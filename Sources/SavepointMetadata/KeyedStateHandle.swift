import Bytes

/// The keyed state of one subtask (`KeyedStateHandle`). `nil` is the null handle (tag 0).
public indirect enum KeyedStateHandle: Sendable, Equatable {
    /// Tags 3, 7, 12: a full snapshot stream with per-key-group offsets.
    case keyGroups(KeyGroupsStateHandle)
    /// Tags 5, 11: RocksDB/ForSt files (native savepoints, incremental checkpoints).
    case incrementalRemote(IncrementalRemoteKeyedStateHandle)
    /// Tags 8, 14.
    case changelogBackend(ChangelogStateBackendHandle)
    /// Tag 9.
    case changelogInMemory(InMemoryChangelogStateHandle)
    /// Tags 10, 13.
    case changelogStream(ChangelogStateHandleStreamImpl)

    public var keyGroupRange: KeyGroupRange {
        switch self {
        case let .keyGroups(h): h.keyGroupRange
        case let .incrementalRemote(h): h.keyGroupRange
        case let .changelogBackend(h): h.keyGroupRange
        case let .changelogInMemory(h): h.keyGroupRange
        case let .changelogStream(h): h.keyGroupRange
        }
    }

    static func read(from reader: inout ByteReader, depth: Int = 0) throws -> KeyedStateHandle? {
        let at = reader.index
        guard depth < maximumHandleNesting else {
            throw reader.error("state handles nested deeper than \(maximumHandleNesting) levels", at: at)
        }
        let tag = try reader.readU8("a keyed state handle tag")
        let inner = depth + 1
        switch tag {
        case HandleTag.null:
            return nil
        case HandleTag.keyGroups, HandleTag.savepointKeyGroups, HandleTag.keyGroupsV2:
            let kind = KeyGroupsStateHandle.Kind(rawValue: tag) ?? .legacy
            return .keyGroups(try KeyGroupsStateHandle.readBody(from: &reader, kind: kind, depth: inner))
        case HandleTag.incrementalKeyGroups, HandleTag.incrementalKeyGroupsV2:
            let kind = IncrementalRemoteKeyedStateHandle.Kind(rawValue: tag) ?? .v1
            return .incrementalRemote(try IncrementalRemoteKeyedStateHandle.readBody(from: &reader, kind: kind, depth: inner))
        case HandleTag.changelog, HandleTag.changelogV2:
            let kind = ChangelogStateBackendHandle.Kind(rawValue: tag) ?? .v1
            return .changelogBackend(try ChangelogStateBackendHandle.readBody(from: &reader, kind: kind, depth: inner))
        case HandleTag.changelogByteIncrement:
            return .changelogInMemory(try InMemoryChangelogStateHandle.readBody(from: &reader))
        case HandleTag.changelogFileIncrement, HandleTag.changelogFileIncrementV2:
            let kind = ChangelogStateHandleStreamImpl.Kind(rawValue: tag) ?? .v1
            return .changelogStream(try ChangelogStateHandleStreamImpl.readBody(from: &reader, kind: kind, depth: inner))
        default:
            throw reader.error(
                "expected a keyed state handle tag (0, 3, 5, 7, 8, 9, 10, 11, 12, 13 or 14), found \(tag)", at: at)
        }
    }

    static func write(_ handle: KeyedStateHandle?, to writer: inout ByteWriter) throws {
        guard let handle else { writer.writeU8(HandleTag.null); return }
        switch handle {
        case let .keyGroups(h):
            writer.writeU8(h.kind.rawValue)
            try h.writeBody(to: &writer)
        case let .incrementalRemote(h):
            writer.writeU8(h.kind.rawValue)
            try h.writeBody(to: &writer)
        case let .changelogBackend(h):
            writer.writeU8(h.kind.rawValue)
            try h.writeBody(to: &writer)
        case let .changelogInMemory(h):
            writer.writeU8(HandleTag.changelogByteIncrement)
            try h.writeBody(to: &writer)
        case let .changelogStream(h):
            writer.writeU8(h.kind.rawValue)
            try h.writeBody(to: &writer)
        }
    }
}
