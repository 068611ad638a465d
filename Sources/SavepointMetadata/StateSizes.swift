/// Sizes of state as Flink reports them (`StateObject.getStateSize`), for `inspect`: every handle,
/// subtask, operator and the whole checkpoint. Sizes come from `_metadata` alone (no file access).

extension StreamStateHandle {
    public var stateSize: Int64 {
        switch self {
        case let .byteStream(_, data): Int64(data.count)
        case let .file(_, size): size
        case let .relativeFile(_, size): size
        case let .keyGroups(handle): handle.stateSize
        case let .segmentFile(segment): segment.stateSize
        case .emptySegmentFile: 0
        }
    }
}

extension KeyGroupsStateHandle {
    public var stateSize: Int64 { delegate.stateSize }
}

extension IncrementalRemoteKeyedStateHandle {
    /// Meta data plus every shared and private file (`IncrementalRemoteKeyedStateHandle.getStateSize`).
    public var stateSize: Int64 {
        (sharedState + privateState).reduce(metaDataState?.stateSize ?? 0) { $0 &+ ($1.handle?.stateSize ?? 0) }
    }
}

extension ChangelogStateBackendHandle {
    public var stateSize: Int64 {
        (materializedStateHandles + nonMaterializedStateHandles).reduce(0) { $0 &+ ($1?.stateSize ?? 0) }
    }
}

extension InMemoryChangelogStateHandle {
    public var stateSize: Int64 { changes.reduce(0) { $0 &+ Int64($1.change.count) } }
}

extension KeyedStateHandle {
    public var stateSize: Int64 {
        switch self {
        case let .keyGroups(h): h.stateSize
        case let .incrementalRemote(h): h.stateSize
        case let .changelogBackend(h): h.stateSize
        case let .changelogInMemory(h): h.stateSize
        case let .changelogStream(h): h.stateSize
        }
    }
}

extension OperatorStateHandle {
    public var stateSize: Int64 { delegate.stateSize }
}

extension OperatorSubtaskState {
    public var managedOperatorStateSize: Int64 { managedOperatorState?.stateSize ?? 0 }
    public var rawOperatorStateSize: Int64 { rawOperatorState?.stateSize ?? 0 }
    public var managedKeyedStateSize: Int64 { managedKeyedState?.stateSize ?? 0 }
    public var rawKeyedStateSize: Int64 { rawKeyedState?.stateSize ?? 0 }
    public var channelStateSize: Int64 {
        (inputChannelState + resultSubpartitionState).reduce(0) { $0 &+ $1.stateSize }
    }

    public var stateSize: Int64 {
        managedOperatorStateSize &+ rawOperatorStateSize &+ managedKeyedStateSize &+ rawKeyedStateSize
            &+ channelStateSize
    }
}

extension OperatorState {
    /// Coordinator state plus every subtask.
    public var stateSize: Int64 {
        subtaskStates.reduce(coordinatorState?.stateSize ?? 0) { $0 &+ ($1.state?.stateSize ?? 0) }
    }
}

extension CheckpointMetadata {
    /// All operators' state (master states are not state handles and not counted, as in Flink).
    public var stateSize: Int64 { operatorStates.reduce(0) { $0 &+ $1.stateSize } }
}
