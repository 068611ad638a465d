/// Every stream handle a structure refers to, leaves only (nested key-groups handles are opened to
/// their delegates): what `inspect` lists as referenced files and what resolution must find.

extension StreamStateHandle {
    /// The stream handles holding bytes: itself, or the delegate of a nested key-groups handle.
    public var leafStreams: [StreamStateHandle] {
        if case let .keyGroups(handle) = self { return handle.delegate.leafStreams }
        return [self]
    }
}

extension KeyedStateHandle {
    public var streamStateHandles: [StreamStateHandle] {
        switch self {
        case let .keyGroups(h):
            return h.delegate.leafStreams
        case let .incrementalRemote(h):
            let files = (h.sharedState + h.privateState).compactMap(\.handle)
            return ((h.metaDataState.map { [$0] } ?? []) + files).flatMap(\.leafStreams)
        case let .changelogBackend(h):
            return (h.materializedStateHandles + h.nonMaterializedStateHandles).flatMap { $0?.streamStateHandles ?? [] }
        case .changelogInMemory:
            return []
        case let .changelogStream(h):
            return h.handlesAndOffsets.compactMap(\.handle).flatMap(\.leafStreams)
        }
    }
}

extension OperatorSubtaskState {
    public var streamStateHandles: [StreamStateHandle] {
        let operatorHandles = [managedOperatorState, rawOperatorState].compactMap { $0?.delegate.leafStreams }.flatMap { $0 }
        let keyedHandles = [managedKeyedState, rawKeyedState].compactMap { $0?.streamStateHandles }.flatMap { $0 }
        let channelHandles = (inputChannelState + resultSubpartitionState).flatMap(\.delegate.leafStreams)
        return operatorHandles + keyedHandles + channelHandles
    }
}

extension OperatorState {
    public var streamStateHandles: [StreamStateHandle] {
        (coordinatorState.map { [$0] } ?? []) + subtaskStates.flatMap { $0.state?.streamStateHandles ?? [] }
    }
}

extension CheckpointMetadata {
    public var streamStateHandles: [StreamStateHandle] { operatorStates.flatMap(\.streamStateHandles) }
}
