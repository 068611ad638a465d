import Bytes

/// A stream with one block per key group and the offset of each block (`KeyGroupsStateHandle`,
/// `KeyGroupsSavepointStateHandle`): what full snapshots of both backends write.
public struct KeyGroupsStateHandle: Sendable, Equatable {
    /// Which of Flink's three encodings this handle used; they differ in meaning, not just bytes.
    public enum Kind: UInt8, Sendable {
        /// Tag 3: the pre-1.16 `KeyGroupsStateHandle`, no state handle id.
        case legacy = 3
        /// Tag 7: `KeyGroupsSavepointStateHandle`, a canonical savepoint (the heap backend reads
        /// only this one with its savepoint reader).
        case savepoint = 7
        /// Tag 12: `KeyGroupsStateHandle` with a state handle id (full checkpoints).
        case checkpoint = 12
    }

    public var kind: Kind
    public var keyGroupRange: KeyGroupRange
    /// Absolute position of each key group's block in the delegate stream, one per key group in
    /// range order; 0 means the key group is empty.
    public var offsets: [Int64]
    public var delegate: StreamStateHandle
    /// Only for `.checkpoint` (tag 12).
    public var stateHandleId: String?

    public init(
        kind: Kind, keyGroupRange: KeyGroupRange, offsets: [Int64], delegate: StreamStateHandle,
        stateHandleId: String? = nil
    ) {
        self.kind = kind
        self.keyGroupRange = keyGroupRange
        self.offsets = offsets
        self.delegate = delegate
        self.stateHandleId = stateHandleId
    }

    /// The offset of `keyGroup`'s block, or nil when the key group is outside the range.
    public func offset(forKeyGroup keyGroup: Int) -> Int64? {
        guard keyGroupRange.contains(keyGroup) else { return nil }
        let i = keyGroup - keyGroupRange.startKeyGroup
        return offsets.indices.contains(i) ? offsets[i] : nil
    }

    /// `i32 start, i32 count, count × i64 offset, StreamHandle delegate [, UTF id for tag 12]`.
    static func readBody(from reader: inout ByteReader, kind: Kind, depth: Int) throws -> KeyGroupsStateHandle {
        let range = try KeyGroupRange.read(from: &reader)
        let offsets = try reader.readOffsets(range.numberOfKeyGroups, what: "a key-group offset")
        let delegate = try StreamStateHandle.readRequired(
            from: &reader, what: "the stream of a key-groups handle", depth: depth)
        let id = kind == .checkpoint ? try reader.readJavaUTF("a state handle id") : nil
        return KeyGroupsStateHandle(
            kind: kind, keyGroupRange: range, offsets: offsets, delegate: delegate, stateHandleId: id)
    }

    func writeBody(to writer: inout ByteWriter) throws {
        guard offsets.count == keyGroupRange.numberOfKeyGroups else {
            throw FormatError(
                offset: writer.count,
                "key-groups handle has \(offsets.count) offsets for \(keyGroupRange.numberOfKeyGroups) key groups")
        }
        keyGroupRange.write(to: &writer)
        writer.writeOffsets(offsets)
        try StreamStateHandle.write(delegate, to: &writer)
        if kind == .checkpoint {
            try writer.writeModifiedUTF8(stateHandleId ?? "")
        }
    }
}
