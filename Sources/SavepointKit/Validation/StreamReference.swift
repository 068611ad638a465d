import SavepointMetadata

/// A stream a subtask's state handle points into, with what it is and how many bytes the offsets
/// into it require: the unit of the file checks.
struct StreamReference {
    /// A leaf handle (inline bytes, a file, a segment).
    var handle: StreamStateHandle
    var location: FindingLocation
    /// "keyed state", "operator state", "LSM file 000012.sst", … for messages.
    var what: String
    /// The stream must hold at least this many bytes for the offsets pointing into it to make sense.
    var requiredLength: Int64?
    /// Whether the state backend's inline threshold applies (subtask state, not coordinator state).
    var isSubtaskState: Bool
    /// The path `_metadata` records for the stream, named beside the resolved one in findings.
    var recordedPath: String? { handle.recordedPath }
}

extension Validator {
    /// Every stream of every operator, with the offsets that point into it.
    func streamReferences() -> [StreamReference] {
        var refs: [StreamReference] = []
        for op in savepoint.metadata.operatorStates {
            if let coordinator = op.coordinatorState {
                refs.append(StreamReference(handle: coordinator, location: location(op), what: "coordinator state",
                                            requiredLength: nil, isSubtaskState: false))
            }
            for (index, state) in op.presentSubtasks {
                refs += references(of: state, op: op, subtask: index)
            }
        }
        return refs
    }

    func references(of state: OperatorSubtaskState, op: OperatorState, subtask: Int) -> [StreamReference] {
        let at = location(op, subtask: subtask)
        var refs: [StreamReference] = []
        for (handle, what) in [(state.managedOperatorState, "operator state"), (state.rawOperatorState, "raw operator state")] {
            guard let handle else { continue }
            // An element may be empty, so an offset may equal the stream's length.
            let required = handle.stateNameToPartitionOffsets.flatMap(\.offsets).max()
            refs += handle.delegate.leafStreams.map {
                StreamReference(handle: $0, location: at, what: what, requiredLength: required, isSubtaskState: true)
            }
        }
        for (handle, what) in [(state.managedKeyedState, "keyed state"), (state.rawKeyedState, "raw keyed state")] {
            guard let handle else { continue }
            refs += keyedReferences(handle, what: what, at: at)
        }
        for channel in state.inputChannelState + state.resultSubpartitionState {
            refs += channel.delegate.leafStreams.map {
                StreamReference(handle: $0, location: at, what: "channel state", requiredLength: nil, isSubtaskState: true)
            }
        }
        return refs
    }

    func keyedReferences(_ handle: KeyedStateHandle, what: String, at: FindingLocation) -> [StreamReference] {
        switch handle {
        case let .keyGroups(h):
            // A non-empty key group's block holds at least one byte.
            let required = h.offsets.max().map { $0 > 0 ? $0 + 1 : 0 }
            return h.delegate.leafStreams.map {
                StreamReference(handle: $0, location: at, what: what, requiredLength: required, isSubtaskState: true)
            }
        case let .incrementalRemote(h):
            var refs = (h.metaDataState?.leafStreams ?? []).map {
                StreamReference(handle: $0, location: at, what: "\(what) (LSM meta data)", requiredLength: nil,
                                isSubtaskState: true)
            }
            for file in h.sharedState + h.privateState {
                refs += (file.handle?.leafStreams ?? []).map {
                    StreamReference(handle: $0, location: at, what: "\(what) (LSM file \(file.localPath))",
                                    requiredLength: nil, isSubtaskState: true)
                }
            }
            return refs
        default:
            return handle.streamStateHandles.map {
                StreamReference(handle: $0, location: at, what: "\(what) (changelog)", requiredLength: nil,
                                isSubtaskState: true)
            }
        }
    }
}
