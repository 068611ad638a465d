import Bytes

/// The state one subtask of an operator snapshotted (`OperatorSubtaskState`). Flink keeps at
/// most one handle of each kind per subtask in `_metadata`.
public struct OperatorSubtaskState: Sendable, Equatable {
    public var managedOperatorState: OperatorStateHandle?
    public var rawOperatorState: OperatorStateHandle?
    public var managedKeyedState: KeyedStateHandle?
    public var rawKeyedState: KeyedStateHandle?
    /// Unaligned checkpoints only (V3+).
    public var inputChannelState: [ChannelStateHandle]
    public var resultSubpartitionState: [ChannelStateHandle]
    /// V2 only: the unused "duration" field Flink ≤ 1.10 wrote (always -1 in practice).
    public var legacyDuration: Int64

    public init(
        managedOperatorState: OperatorStateHandle? = nil, rawOperatorState: OperatorStateHandle? = nil,
        managedKeyedState: KeyedStateHandle? = nil, rawKeyedState: KeyedStateHandle? = nil,
        inputChannelState: [ChannelStateHandle] = [], resultSubpartitionState: [ChannelStateHandle] = [],
        legacyDuration: Int64 = -1
    ) {
        self.managedOperatorState = managedOperatorState
        self.rawOperatorState = rawOperatorState
        self.managedKeyedState = managedKeyedState
        self.rawKeyedState = rawKeyedState
        self.inputChannelState = inputChannelState
        self.resultSubpartitionState = resultSubpartitionState
        self.legacyDuration = legacyDuration
    }

    /// True when the subtask holds no state at all (stateless operators still list subtasks).
    public var isEmpty: Bool {
        managedOperatorState == nil && rawOperatorState == nil && managedKeyedState == nil
            && rawKeyedState == nil && inputChannelState.isEmpty && resultSubpartitionState.isEmpty
    }

    static func read(from reader: inout ByteReader, layout: MetadataLayout) throws -> OperatorSubtaskState {
        var state = OperatorSubtaskState()
        if layout.isV2 {
            state.legacyDuration = try reader.readI64("the legacy subtask duration")
            let at = reader.index
            let legacyCount = try reader.readI32("the number of legacy states")
            guard legacyCount == 0 else {
                throw reader.error("expected 0 legacy (Flink ≤ 1.1) states, found \(legacyCount)", at: at)
            }
        }
        state.managedOperatorState = try readOperatorHandle(from: &reader, what: "the managed operator state flag")
        state.rawOperatorState = try readOperatorHandle(from: &reader, what: "the raw operator state flag")
        state.managedKeyedState = try KeyedStateHandle.read(from: &reader)
        state.rawKeyedState = try KeyedStateHandle.read(from: &reader)
        if layout.hasCoordinatorAndChannelState {
            let typed = layout.hasTypedChannelHandles
            state.inputChannelState = try ChannelStateHandle.readList(from: &reader, input: true, typed: typed)
            state.resultSubpartitionState = try ChannelStateHandle.readList(from: &reader, input: false, typed: typed)
        }
        return state
    }

    /// `i32 present (0/1)` then the handle; a present flag followed by a null handle could not be
    /// written back unchanged, so it is an error.
    private static func readOperatorHandle(from reader: inout ByteReader, what: StaticString) throws -> OperatorStateHandle? {
        guard try reader.readPresenceFlag(what) else { return nil }
        let at = reader.index
        guard let handle = try OperatorStateHandle.read(from: &reader) else {
            throw reader.error("expected an operator state handle after its presence flag, found a null handle", at: at)
        }
        return handle
    }

    func write(to writer: inout ByteWriter, layout: MetadataLayout) throws {
        if layout.isV2 {
            writer.writeI64(legacyDuration)
            writer.writeI32(0)
        }
        for handle in [managedOperatorState, rawOperatorState] {
            writer.writeI32(handle == nil ? 0 : 1)
            if let handle { try OperatorStateHandle.write(handle, to: &writer) }
        }
        try KeyedStateHandle.write(managedKeyedState, to: &writer)
        try KeyedStateHandle.write(rawKeyedState, to: &writer)
        if layout.hasCoordinatorAndChannelState {
            let typed = layout.hasTypedChannelHandles
            try ChannelStateHandle.writeList(inputChannelState, to: &writer, input: true, typed: typed)
            try ChannelStateHandle.writeList(resultSubpartitionState, to: &writer, input: false, typed: typed)
        } else if !inputChannelState.isEmpty || !resultSubpartitionState.isEmpty {
            throw FormatError(offset: writer.count, "metadata version 2 cannot hold channel state")
        }
    }
}
