import Bytes

/// The snapshot of one operator (`OperatorState`): its id, parallelism, coordinator state and the
/// state of each subtask.
public struct OperatorState: Sendable, Equatable {
    /// One subtask entry as written: `state` is nil for a finished subtask (FLIP-147), which
    /// Flink writes as the negative index `-(index + 1)` with nothing after it.
    public struct SubtaskEntry: Sendable, Equatable {
        public var subtaskIndex: Int
        public var state: OperatorSubtaskState?
        public init(subtaskIndex: Int, state: OperatorSubtaskState?) {
            self.subtaskIndex = subtaskIndex
            self.state = state
        }
        public var isFinished: Bool { state == nil }
    }

    /// V5+; nil when absent (written as "").
    public var name: String?
    /// V5+; nil when absent (written as "").
    public var uid: String?
    public var operatorID: OperatorID
    /// Job-vertex parallelism (shared by all chained operators).
    public var parallelism: Int
    /// Job-vertex max parallelism = number of key groups.
    public var maxParallelism: Int
    /// V3+: the operator coordinator's state, always inline bytes (tag 1) or nil.
    public var coordinatorState: StreamStateHandle?
    /// The whole operator finished (written as subtask count -1, no subtasks, no coordinator).
    public var isFullyFinished: Bool
    /// In file order (Flink writes ascending subtask index).
    public var subtaskStates: [SubtaskEntry]
    /// V2 only: the unused "chain length" field (always 1 in practice).
    public var legacyChainLength: Int32

    public init(
        name: String? = nil, uid: String? = nil, operatorID: OperatorID, parallelism: Int, maxParallelism: Int,
        coordinatorState: StreamStateHandle? = nil, isFullyFinished: Bool = false,
        subtaskStates: [SubtaskEntry] = [], legacyChainLength: Int32 = 1
    ) {
        self.name = name
        self.uid = uid
        self.operatorID = operatorID
        self.parallelism = parallelism
        self.maxParallelism = maxParallelism
        self.coordinatorState = coordinatorState
        self.isFullyFinished = isFullyFinished
        self.subtaskStates = subtaskStates
        self.legacyChainLength = legacyChainLength
    }

    /// The state of subtask `index`, nil when absent or finished.
    public func subtaskState(_ index: Int) -> OperatorSubtaskState? {
        subtaskStates.first { $0.subtaskIndex == index }?.state
    }

    static func read(from reader: inout ByteReader, layout: MetadataLayout) throws -> OperatorState {
        var name: String?, uid: String?
        if layout.hasOperatorNameAndUid {
            let n = try reader.readJavaUTF("an operator name")
            let u = try reader.readJavaUTF("an operator uid")
            name = n.isEmpty ? nil : n
            uid = u.isEmpty ? nil : u
        }
        let id = try OperatorID.read(from: &reader)
        let parallelism = try reader.readI32("the operator parallelism")
        let maxParallelism = try reader.readI32("the operator max parallelism")
        var op = OperatorState(
            name: name, uid: uid, operatorID: id, parallelism: Int(parallelism), maxParallelism: Int(maxParallelism))
        if layout.isV2 {
            op.legacyChainLength = try reader.readI32("the legacy chain length")
        } else {
            op.coordinatorState = try readCoordinatorState(from: &reader)
        }
        try op.readSubtasks(from: &reader, layout: layout)
        return op
    }

    /// Flink accepts only an inline byte stream (or nothing) as coordinator state.
    private static func readCoordinatorState(from reader: inout ByteReader) throws -> StreamStateHandle? {
        let at = reader.index
        let handle = try StreamStateHandle.read(from: &reader)
        if let handle, case .byteStream = handle { return handle }
        guard handle == nil else {
            throw reader.error("expected coordinator state as a byte-stream handle (tag 1) or null, found another handle", at: at)
        }
        return nil
    }

    private mutating func readSubtasks(from reader: inout ByteReader, layout: MetadataLayout) throws {
        let at = reader.index
        let count = try reader.readI32("the number of subtask states")
        if count < 0 {
            guard layout.hasCoordinatorAndChannelState, count == -1 else {
                throw reader.error("expected a subtask count >= 0 (or -1 for a finished operator), found \(count)", at: at)
            }
            guard coordinatorState == nil else {
                throw reader.error("a fully finished operator must not have coordinator state", at: at)
            }
            isFullyFinished = true
            return
        }
        guard Int(count) * 4 <= reader.remaining else {
            throw reader.error("subtask count \(count) cannot fit in the \(reader.remaining) bytes that remain", at: at)
        }
        subtaskStates.reserveCapacity(Int(count))
        for _ in 0..<count { subtaskStates.append(try Self.readSubtask(from: &reader, layout: layout)) }
    }

    private static func readSubtask(from reader: inout ByteReader, layout: MetadataLayout) throws -> SubtaskEntry {
        let stored = Int(try reader.readI32("a subtask index"))
        if stored < 0, layout.hasCoordinatorAndChannelState {
            return SubtaskEntry(subtaskIndex: -stored - 1, state: nil)
        }
        return SubtaskEntry(subtaskIndex: stored, state: try OperatorSubtaskState.read(from: &reader, layout: layout))
    }

    func write(to writer: inout ByteWriter, layout: MetadataLayout) throws {
        if layout.hasOperatorNameAndUid {
            try writer.writeModifiedUTF8(name ?? "")
            try writer.writeModifiedUTF8(uid ?? "")
        }
        operatorID.write(to: &writer)
        writer.writeI32(Int32(truncatingIfNeeded: parallelism))
        writer.writeI32(Int32(truncatingIfNeeded: maxParallelism))
        if layout.isV2 {
            writer.writeI32(legacyChainLength)
        } else {
            try StreamStateHandle.write(coordinatorState, to: &writer)
        }
        try writeSubtasks(to: &writer, layout: layout)
    }

    private func writeSubtasks(to writer: inout ByteWriter, layout: MetadataLayout) throws {
        if isFullyFinished {
            guard layout.hasCoordinatorAndChannelState else {
                throw FormatError(offset: writer.count, "metadata version 2 cannot mark an operator finished")
            }
            writer.writeI32(-1)
            return
        }
        try writer.writeElementCount(subtaskStates.count, "subtask states")
        for entry in subtaskStates {
            guard let state = entry.state else {
                guard layout.hasCoordinatorAndChannelState else {
                    throw FormatError(offset: writer.count, "metadata version 2 cannot mark a subtask finished")
                }
                writer.writeI32(Int32(truncatingIfNeeded: -(entry.subtaskIndex + 1)))
                continue
            }
            writer.writeI32(Int32(truncatingIfNeeded: entry.subtaskIndex))
            try state.write(to: &writer, layout: layout)
        }
    }
}
