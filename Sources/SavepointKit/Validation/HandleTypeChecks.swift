import SavepointMetadata

/// Quick checks that the handle types of a savepoint belong together: one state backend writes
/// one kind of keyed handle, and Flink's restore refuses a mix within an operator.
extension Validator {
    /// The kinds of keyed state handle Flink's backends tell apart on restore.
    enum KeyedHandleClass: String {
        case savepointKeyGroups = "canonical savepoint key-groups handles"
        case checkpointKeyGroups = "full checkpoint key-groups handles"
        case incremental = "LSM (RocksDB native / incremental) handles"
        case changelog = "changelog handles"

        init(_ handle: KeyedStateHandle) {
            switch handle {
            case let .keyGroups(h): self = h.kind == .savepoint ? .savepointKeyGroups : .checkpointKeyGroups
            case .incrementalRemote: self = .incremental
            case .changelogBackend, .changelogInMemory, .changelogStream: self = .changelog
            }
        }
    }

    mutating func checkHandleTypes() {
        var savepointWide: [KeyedHandleClass: String] = [:]
        for op in savepoint.metadata.operatorStates {
            var classes: [KeyedHandleClass] = []
            for (index, state) in op.presentSubtasks {
                let counted = checks(subtask: index)
                if counted, state.managedOperatorState != nil || state.rawOperatorState != nil { checked.operatorStateHandles += 1 }
                guard let keyed = state.managedKeyedState else { continue }
                if counted { checked.keyedStateHandles += 1 }
                let c = KeyedHandleClass(keyed)
                if let first = classes.first, first != c {
                    log.error(.mixedHandleTypes,
                              "\(op.label): subtask \(index) has \(c.rawValue) while others have \(first.rawValue); no state backend restores such a mix",
                              at: location(op, subtask: index, file: metadataPath))
                }
                if !classes.contains(c) { classes.append(c) }
            }
            if let c = classes.first, savepointWide[c] == nil { savepointWide[c] = op.displayName }
        }
        let kinds = savepointWide.keys.sorted { $0.rawValue < $1.rawValue }
        if kinds.count > 1 {
            let described = kinds.map { "\($0.rawValue) (\(savepointWide[$0] ?? "?"))" }.joined(separator: ", ")
            log.warning(.mixedHandleTypes,
                        "operators keep keyed state in different handle types: \(described); one job has one state backend",
                        at: FindingLocation(file: metadataPath))
        }
    }

    /// An LSM handle names a whole RocksDB instance: its meta-data stream, CURRENT and MANIFEST.
    mutating func checkLSMHandles() {
        for op in savepoint.metadata.operatorStates {
            for (index, state) in op.presentSubtasks {
                guard case let .incrementalRemote(h)? = state.managedKeyedState else { continue }
                let at = location(op, subtask: index, file: metadataPath)
                if h.metaDataState == nil {
                    log.error(.incompleteLSMHandle, "\(op.label): the LSM handle has no meta-data stream (the states' serializers)", at: at)
                }
                let files = h.sharedState + h.privateState
                for file in files where file.handle == nil {
                    log.error(.incompleteLSMHandle, "\(op.label): LSM file \(file.localPath) has no state handle", at: at)
                }
                let names = files.map(\.localPath)
                if !names.contains("CURRENT") || !names.contains(where: { $0.hasPrefix("MANIFEST-") }) {
                    log.error(.incompleteLSMHandle,
                              "\(op.label): the LSM handle lists no CURRENT or no MANIFEST file; RocksDB cannot open the instance",
                              at: at)
                }
            }
        }
    }
}
