import Bytes

/// The operator (non-keyed) state of one subtask (`OperatorStreamStateHandle`): a stream holding
/// every named state, and for each the offsets of its list elements and how they are redistributed.
public struct OperatorStateHandle: Sendable, Equatable {
    /// How list entries are redistributed on rescaling (`OperatorStateHandle.Mode`, by ordinal).
    public enum Mode: UInt8, Sendable, CaseIterable {
        case splitDistribute = 0
        case union = 1
        case broadcast = 2
    }

    /// One named state: where its entries start in the delegate stream (`StateMetaInfo`).
    public struct StateMetaInfo: Sendable, Equatable {
        public var name: String
        public var mode: Mode
        public var offsets: [Int64]
        public init(name: String, mode: Mode, offsets: [Int64]) {
            self.name = name
            self.mode = mode
            self.offsets = offsets
        }
    }

    /// `FileMergingOperatorStreamStateHandle` (tag 17) extras: the directories file merging used.
    public struct FileMerging: Sendable, Equatable {
        public var taskOwnedDirectory: String
        public var sharedDirectory: String
        /// `EmptyFileMergingOperatorStreamStateHandle`.
        public var isEmpty: Bool
        public init(taskOwnedDirectory: String, sharedDirectory: String, isEmpty: Bool) {
            self.taskOwnedDirectory = taskOwnedDirectory
            self.sharedDirectory = sharedDirectory
            self.isEmpty = isEmpty
        }
    }

    /// In the order of `_metadata` (Flink's hash-map order), kept so the bytes round-trip.
    public var stateNameToPartitionOffsets: [StateMetaInfo]
    public var delegate: StreamStateHandle
    /// Set for tag 17, nil for tag 4.
    public var fileMerging: FileMerging?

    public init(stateNameToPartitionOffsets: [StateMetaInfo], delegate: StreamStateHandle, fileMerging: FileMerging? = nil) {
        self.stateNameToPartitionOffsets = stateNameToPartitionOffsets
        self.delegate = delegate
        self.fileMerging = fileMerging
    }

    public func state(named name: String) -> StateMetaInfo? {
        stateNameToPartitionOffsets.first { $0.name == name }
    }

    /// `u8 tag (0 | 4 | 17), i32 n, n × {UTF name, u8 mode, i32 m, m × i64}, [17: UTF, UTF, bool], StreamHandle`.
    static func read(from reader: inout ByteReader) throws -> OperatorStateHandle? {
        let at = reader.index
        let tag = try reader.readU8("an operator state handle tag")
        guard tag != HandleTag.null else { return nil }
        guard tag == HandleTag.operatorStream || tag == HandleTag.fileMergingOperatorStream else {
            throw reader.error("expected an operator state handle tag (0, 4 or 17), found \(tag)", at: at)
        }
        let count = try reader.readElementCount("the number of operator states", minimumBytes: 7)
        var states = [StateMetaInfo]()
        states.reserveCapacity(count)
        for _ in 0..<count { states.append(try readStateMetaInfo(from: &reader)) }
        var fileMerging: FileMerging?
        if tag == HandleTag.fileMergingOperatorStream {
            let taskOwned = try reader.readJavaUTF("a task-owned directory")
            let shared = try reader.readJavaUTF("a shared directory")
            fileMerging = FileMerging(
                taskOwnedDirectory: taskOwned, sharedDirectory: shared, isEmpty: try reader.readStrictBool("the empty flag"))
        }
        let delegate = try StreamStateHandle.readRequired(from: &reader, what: "the stream of an operator state handle")
        return OperatorStateHandle(stateNameToPartitionOffsets: states, delegate: delegate, fileMerging: fileMerging)
    }

    private static func readStateMetaInfo(from reader: inout ByteReader) throws -> StateMetaInfo {
        let name = try reader.readJavaUTF("an operator state name")
        let modeAt = reader.index
        let rawMode = try reader.readU8("a distribution mode")
        guard let mode = Mode(rawValue: rawMode) else {
            throw reader.error(
                "expected a distribution mode 0 (split), 1 (union) or 2 (broadcast), found \(rawMode)", at: modeAt)
        }
        let count = try reader.readCount("the number of partition offsets")
        return StateMetaInfo(name: name, mode: mode, offsets: try reader.readOffsets(count, what: "a partition offset"))
    }

    static func write(_ handle: OperatorStateHandle?, to writer: inout ByteWriter) throws {
        guard let handle else { writer.writeU8(HandleTag.null); return }
        writer.writeU8(handle.fileMerging == nil ? HandleTag.operatorStream : HandleTag.fileMergingOperatorStream)
        try writer.writeElementCount(handle.stateNameToPartitionOffsets.count, "operator states")
        for state in handle.stateNameToPartitionOffsets {
            try writer.writeModifiedUTF8(state.name)
            writer.writeU8(state.mode.rawValue)
            try writer.writeElementCount(state.offsets.count, "partition offsets")
            writer.writeOffsets(state.offsets)
        }
        if let fileMerging = handle.fileMerging {
            try writer.writeModifiedUTF8(fileMerging.taskOwnedDirectory)
            try writer.writeModifiedUTF8(fileMerging.sharedDirectory)
            writer.writeBool(fileMerging.isEmpty)
        }
        try StreamStateHandle.write(handle.delegate, to: &writer)
    }
}
