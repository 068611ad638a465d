import SavepointMetadata

/// The physical form of a savepoint, told from its state handles.
public enum SavepointForm: String, Sendable {
    /// Everything inlined in `_metadata` (JobManager checkpoint storage, `MemoryStateBackend`).
    case memorySnapshot = "memory-snapshot"
    /// Canonical or heap streams in files beside `_metadata` (small ones may still be inlined).
    case filesystem
    /// RocksDB native files (SST, MANIFEST, CURRENT, OPTIONS).
    case lsm = "LSM"
    case mixed
    case empty

    public init(_ metadata: CheckpointMetadata) {
        var forms = Set<SavepointForm>()
        for op in metadata.operatorStates {
            for case let state? in op.subtaskStates.map(\.state) {
                if let keyed = state.managedKeyedState { forms.insert(Self.form(of: keyed)) }
                if let h = state.managedOperatorState { forms.insert(Self.form(of: h.delegate)) }
            }
        }
        // Filesystem storage inlines small streams too; those do not make a savepoint "mixed".
        if forms.contains(.filesystem) { forms.remove(.memorySnapshot) }
        if forms.contains(.lsm) { forms.remove(.memorySnapshot); forms.remove(.filesystem) }
        self = forms.count == 1 ? forms.first! : (forms.isEmpty ? .empty : .mixed)
    }

    static func form(of keyed: KeyedStateHandle) -> SavepointForm {
        switch keyed {
        case let .keyGroups(h): return form(of: h.delegate)
        case .incrementalRemote: return .lsm
        default: return .mixed
        }
    }

    /// Inline handles named like a file path come from filesystem storage (below its inline
    /// threshold); JobManager storage names them with a bare UUID.
    static func form(of stream: StreamStateHandle) -> SavepointForm {
        switch stream {
        case let .byteStream(name, _): return name.contains("/") ? .filesystem : .memorySnapshot
        default: return .filesystem
        }
    }
}
