import Bytes
import CanonicalFormat
import FlinkSerialization
import LSMFormat
import SavepointMetadata

/// Deep checks on keyed state: every entry decodes with its serializer, every key's prefix names
/// the key group it is stored in, and keys whose Java `hashCode` is known hash (Flink's murmur
/// hash) to that key group. One key group is read at a time; a bad one is reported and skipped.
extension Validator {
    mutating func checkKeyedStateDeeply() {
        for op in savepoint.metadata.operatorStates {
            for (index, state) in op.presentSubtasks {
                if state.rawKeyedState != nil {
                    log.warning(.notChecked, "\(op.label): raw keyed state is user-defined bytes and is not decoded",
                                at: location(op, subtask: index))
                }
                guard let keyed = state.managedKeyedState, !hasBadPath(keyed) else { continue }
                switch keyed {
                case let .keyGroups(h):
                    checkKeyGroupsStream(h, op: op, subtask: index)
                case let .incrementalRemote(h):
                    checkLSMInstance(h, op: op, subtask: index)
                case .changelogBackend, .changelogInMemory, .changelogStream:
                    log.warning(.notChecked, "\(op.label): changelog state handles are not decoded by this version",
                                at: location(op, subtask: index))
                }
            }
        }
    }

    /// Whether a stream of the handle was already reported missing, too small or unsafe.
    func hasBadPath(_ keyed: KeyedStateHandle) -> Bool {
        keyed.streamStateHandles.contains { handle in
            guard case let .file(range)? = try? savepoint.location.resolve(handle) else { return false }
            return badPaths.contains(range.path)
        }
    }

    // MARK: canonical and heap streams

    mutating func checkKeyGroupsStream(_ h: KeyGroupsStateHandle, op: OperatorState, subtask: Int) {
        lastHashedKey = nil
        let stream: KeyedStateStream
        do {
            stream = try savepoint.openKeyedStream(.keyGroups(h), of: op)
        } catch {
            report(.unreadableStateHeader, error, op: op, subtask: subtask, prefix: "the keyed state header does not read")
            return
        }
        for (keyGroup, range) in stream.keyGroupRanges() {
            checked.keyGroups += 1
            do {
                try checkKeyGroup(keyGroup, range: range, of: stream, op: op, subtask: subtask)
            } catch {
                let suffix = stream.proxy.usingKeyGroupCompression ? " (offset in the decompressed block)" : ""
                report(.undecodableEntry, error, op: op, subtask: subtask, keyGroup: keyGroup, file: stream.source.name,
                       prefix: "key group \(keyGroup) does not decode\(suffix); the rest of it is skipped")
            }
        }
    }

    mutating func checkKeyGroup(_ keyGroup: Int, range: Range<Int>, of stream: KeyedStateStream,
                                op: OperatorState, subtask: Int) throws {
        switch stream.layout {
        case .heap:
            try stream.forEachEntry(inKeyGroup: keyGroup, byteRange: range) { entry in
                checkKey(entry, schema: stream.schemas[entry.stateIndex], op: op, subtask: subtask, file: stream.source.name)
            }
        case .canonical:
            try stream.forEachRawEntry(inKeyGroup: keyGroup, byteRange: range) { raw in
                let schema = stream.schemas[raw.stateIndex]
                let at = location(op, subtask: subtask, state: schema.metaInfo.name, keyGroup: keyGroup,
                                  file: stream.source.name, offset: raw.keyAfterPrefix.fileOffset)
                if raw.keyGroup != keyGroup {
                    log.error(.keyGroupPrefixMismatch,
                              "\(op.label): a key with key-group prefix \(raw.keyGroup) is stored in the block of key group \(keyGroup)",
                              at: at)
                }
                do {
                    let entry = try schema.decodeCanonical(raw)
                    checkKey(entry, schema: schema, op: op, subtask: subtask, file: stream.source.name)
                } catch {
                    report(.undecodableEntry, error, op: op, subtask: subtask, state: schema.metaInfo.name,
                           keyGroup: keyGroup, file: stream.source.name, prefix: "an entry does not decode with its serializer")
                }
            }
        }
    }

    /// Recomputes the key group of a key from its Java hashCode when the key type allows it.
    mutating func checkKey(_ entry: KeyedStateEntry, schema: KeyedStateSchema, op: OperatorState,
                           subtask: Int, file: String) {
        checked.keyedEntries += 1
        let maxP = op.maxParallelism
        if let last = lastHashedKey, last.keyGroup == entry.keyGroup, last.key == entry.key { return }
        lastHashedKey = (entry.key, entry.keyGroup)
        guard maxP >= 1, let hash = schema.keySerializer.javaHashCode(of: entry.key) else { return }
        checked.keysHashChecked += 1
        let expected = FlinkHashing.keyGroup(forHashCode: hash, maxParallelism: maxP)
        guard expected != entry.keyGroup else { return }
        log.error(.keyGroupMismatch,
                  "\(op.label): key \(FindingErrors.render(entry.key)) is stored in key group \(entry.keyGroup) but hashes to \(expected) at max parallelism \(maxP) (wrong max parallelism, or a mangled key)",
                  at: location(op, subtask: subtask, state: schema.metaInfo.name, keyGroup: entry.keyGroup, file: file))
    }

    // MARK: LSM instances

    mutating func checkLSMInstance(_ h: IncrementalRemoteKeyedStateHandle, op: OperatorState, subtask: Int) {
        lastHashedKey = nil
        let instance: FlinkRocksDBState
        do {
            instance = try savepoint.openLSMState(h, of: op)
        } catch {
            report(.unreadableLSMState, error, op: op, subtask: subtask, prefix: "the RocksDB instance does not open")
            return
        }
        checkManifestSizes(instance, h, op: op, subtask: subtask)
        for (stateIndex, schema) in instance.schemas.enumerated() {
            checked.keyGroups += 1
            do {
                try instance.forEachEntry(stateFilter: { $0 == stateIndex }) { entry in
                    checkKey(entry, schema: schema, op: op, subtask: subtask, file: instance.name)
                }
            } catch {
                report(.undecodableEntry, error, op: op, subtask: subtask, state: schema.metaInfo.name,
                       file: instance.name, prefix: "the state's column family does not decode; the rest of it is skipped")
            }
        }
    }

    /// The MANIFEST records every table's size; the state handle records what was uploaded.
    mutating func checkManifestSizes(_ instance: FlinkRocksDBState, _ h: IncrementalRemoteKeyedStateHandle,
                                     op: OperatorState, subtask: Int) {
        var handleSizes: [String: Int64] = [:]
        for file in h.sharedState + h.privateState {
            if let size = file.handle?.stateSize { handleSizes[file.localPath] = size }
        }
        for family in instance.columnFamilies {
            for (_, meta) in family.files {
                guard let recorded = handleSizes[meta.fileName], recorded != Int64(clamping: meta.size) else { continue }
                log.error(.lsmFileSizeMismatch,
                          "\(op.label): the MANIFEST records \(meta.size) bytes for \(meta.fileName), its state handle \(recorded)",
                          at: location(op, subtask: subtask, state: family.name, file: meta.fileName))
            }
        }
    }

    // MARK: reporting

    mutating func report(_ code: FindingCode, _ error: any Error, op: OperatorState, subtask: Int,
                         state: String? = nil, keyGroup: Int? = nil, file: String? = nil, prefix: String) {
        let (errorFile, offset, message) = FindingErrors.describe(error)
        log.error(code, "\(op.label): \(prefix): \(message)",
                  at: location(op, subtask: subtask, state: state, keyGroup: keyGroup, file: errorFile ?? file, offset: offset))
    }
}
