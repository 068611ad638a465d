import Bytes
import CanonicalFormat
import FlinkSerialization
import LSMFormat
import SavepointMetadata

/// Deep checks on keyed state: every entry decodes with its serializer, every key's prefix names
/// the key group it is stored in, and keys whose Java `hashCode` is known hash (Flink's murmur
/// hash) to that key group. One key group is read at a time; a bad one is reported and skipped.
/// Subtasks (and the states of a RocksDB instance, one column family each) are independent, so
/// they are checked side by side (`runSideBySide`), their findings kept in this order.
extension Validator {
    mutating func checkKeyedStateDeeply() {
        var parts: [PlannedPart] = []
        var openFiles = 0
        for op in savepoint.metadata.operatorStates {
            for (index, state) in op.presentSubtasks where checks(subtask: index) {
                if state.rawKeyedState != nil {
                    parts.append(.part(DeepPart { v in
                        v.log.warning(.notChecked, "\(op.label): raw keyed state is user-defined bytes and is not decoded",
                                      at: v.location(op, subtask: index))
                    }))
                }
                guard let keyed = state.managedKeyedState, !hasBadPath(keyed) else { continue }
                switch keyed {
                case let .keyGroups(h):
                    parts.append(.part(DeepPart(cost: h.stateSize) { $0.checkKeyGroupsStream(h, op: op, subtask: index) }))
                case let .incrementalRemote(h):
                    parts.append(.lsmInstance(h, op: op, subtask: index))
                    // An open instance holds a file per table: a bounded number at a time, enough
                    // instances for every core to have tables to check.
                    openFiles += h.sharedState.count + h.privateState.count
                    if openFiles >= Self.openFilesPerRound {
                        runSideBySide(opening(parts))
                        parts = []
                        openFiles = 0
                    }
                case .changelogBackend, .changelogInMemory, .changelogStream:
                    parts.append(.part(DeepPart { v in
                        v.log.warning(.notChecked, "\(op.label): changelog state handles are not decoded by this version",
                                      at: v.location(op, subtask: index))
                    }))
                }
            }
        }
        runSideBySide(opening(parts))
    }

    /// A part of the deep checks, or a RocksDB instance still to be opened into its parts.
    enum PlannedPart {
        case part(DeepPart)
        case lsmInstance(IncrementalRemoteKeyedStateHandle, op: OperatorState, subtask: Int)
    }

    /// The parts, the instances opened side by side (opening reads each table's footer, index and
    /// properties: done in turn, it kept the other cores idle before the checks began).
    func opening(_ planned: [PlannedPart]) -> [DeepPart] {
        let opened = ParallelJobs.map(count: planned.count, width: options.jobs ?? ParallelJobs.defaultWidth) { i -> [DeepPart] in
            switch planned[i] {
            case let .part(part): [part]
            case let .lsmInstance(h, op, subtask): lsmInstanceParts(h, op: op, subtask: subtask)
            }
        }
        return opened.flatMap { $0 }
    }

    /// How many files of RocksDB instances are held open at a time (far below the usual limit of
    /// open files, 256 on macOS).
    static let openFilesPerRound = 128

    /// Whether a stream of the handle was already reported missing, too small or unsafe.
    func hasBadPath(_ keyed: KeyedStateHandle) -> Bool {
        keyed.streamStateHandles.contains { handle in
            guard case let .file(range)? = try? savepoint.location.resolve(handle) else { return false }
            return badPaths.contains(range.path)
        }
    }

    // MARK: canonical and heap streams

    mutating func checkKeyGroupsStream(_ h: KeyGroupsStateHandle, op: OperatorState, subtask: Int) {
        resetLastKey()
        let stream: KeyedStateStream
        do {
            stream = try savepoint.openKeyedStream(.keyGroups(h), of: op)
        } catch {
            report(.unreadableStateHeader, error, op: op, subtask: subtask, prefix: "the keyed state header does not read")
            return
        }
        let context = KeyedCheckContext(schemas: stream.schemas, op: op, subtask: subtask, file: stream.source.name)
        for (keyGroup, range) in stream.keyGroupRanges() {
            checked.keyGroups += 1
            do {
                try checkKeyGroup(keyGroup, range: range, of: stream, context)
            } catch {
                let suffix = stream.proxy.usingKeyGroupCompression ? " (offset in the decompressed block)" : ""
                report(.undecodableEntry, error, op: op, subtask: subtask, keyGroup: keyGroup, file: stream.source.name,
                       prefix: "key group \(keyGroup) does not decode\(suffix); the rest of it is skipped")
            }
        }
    }

    mutating func checkKeyGroup(_ keyGroup: Int, range: Range<Int>, of stream: KeyedStateStream,
                                _ c: KeyedCheckContext) throws {
        switch stream.layout {
        case .heap:
            try stream.forEachEntry(inKeyGroup: keyGroup, byteRange: range) { entry in
                checkKey(entry, schema: stream.schemas[entry.stateIndex], op: c.op, subtask: c.subtask, file: c.file)
            }
        case .canonical:
            // Entries whose prefix names their block, well framed and simple, are checked in place;
            // the rest (and every error) take the reader path.
            try stream.forEachRawEntry(inKeyGroup: keyGroup, byteRange: range, inPlace: { e in
                e.keyGroup == keyGroup
                    && checkEntryInPlace(key: e.keyAfterPrefix, value: e.value, stateIndex: e.stateIndex,
                                         keyGroup: keyGroup, c)
            }) { raw in
                if raw.keyGroup != keyGroup {
                    let schema = c.schemas[raw.stateIndex]
                    log.error(.keyGroupPrefixMismatch,
                              "\(c.op.label): a key with key-group prefix \(raw.keyGroup) is stored in the block of key group \(keyGroup)",
                              at: location(c.op, subtask: c.subtask, state: schema.metaInfo.name, keyGroup: keyGroup,
                                           file: c.file, offset: raw.keyAfterPrefix.fileOffset))
                }
                checkEntry(&raw, blockKeyGroup: keyGroup, c)
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
        reportKeyGroupMismatch(entry.key, keyGroup: entry.keyGroup, expected: expected, schema: schema,
                               op: op, subtask: subtask, file: file)
    }

    mutating func reportKeyGroupMismatch(_ key: Value, keyGroup: Int, expected: Int, schema: KeyedStateSchema,
                                         op: OperatorState, subtask: Int, file: String) {
        log.error(.keyGroupMismatch,
                  "\(op.label): key \(FindingErrors.render(key)) is stored in key group \(keyGroup) but hashes to \(expected) at max parallelism \(op.maxParallelism) (wrong max parallelism, or a mangled key)",
                  at: location(op, subtask: subtask, state: schema.metaInfo.name, keyGroup: keyGroup, file: file))
    }

    mutating func resetLastKey() {
        lastHashedKey = nil
        lastKeyBytes = LastKeyBytes()
    }

    // MARK: LSM instances

    /// The checks of one RocksDB instance: it is opened here, then its MANIFEST's sizes are one
    /// part and each table of each state's column family another, checked on its own
    /// (`checkLSMTable`): no merge of a family's tables, so the entries older tables hold under
    /// newer versions are checked too, and the parts balance the cores by table.
    func lsmInstanceParts(_ h: IncrementalRemoteKeyedStateHandle, op: OperatorState, subtask: Int) -> [DeepPart] {
        let instance: FlinkRocksDBState
        do {
            instance = try savepoint.openLSMState(h, of: op)
        } catch {
            return [DeepPart { $0.report(.unreadableLSMState, error, op: op, subtask: subtask, prefix: "the RocksDB instance does not open") }]
        }
        let context = KeyedCheckContext(schemas: instance.schemas, op: op, subtask: subtask, file: instance.name,
                                        inPlace: inPlaceEntryChecks)
        var parts = [DeepPart { $0.checkManifestSizes(instance, h, op: op, subtask: subtask) }]
        let families = instance.columnFamilies.indices.compactMap { i in instance.columnFamilies[i].stateIndex.map { ($0, i) } }
            .sorted { $0.0 < $1.0 }
        for (_, familyIndex) in families {
            parts.append(DeepPart { $0.checked.keyGroups += 1 })
            let family = instance.columnFamilies[familyIndex]
            for tableIndex in family.tables.indices {
                parts.append(DeepPart(cost: Int64(clamping: family.files[tableIndex].file.size)) {
                    $0.checkLSMTable(tableIndex, inFamily: familyIndex, of: instance, context)
                })
            }
        }
        return parts
    }

    /// Every entry of one table of a state's column family (`forEachRawEntry(ofTable:inFamily:into:)`),
    /// checked by `LSMTableCheck`. RocksDB keeps the canonical bytes: entries are checked in place,
    /// those that are not simple decoded (which throws what `forEachEntry` would).
    mutating func checkLSMTable(_ tableIndex: Int, inFamily familyIndex: Int, of instance: FlinkRocksDBState,
                                _ context: KeyedCheckContext) {
        let family = instance.columnFamilies[familyIndex]
        guard let stateIndex = family.stateIndex else { return }
        do {
            try withUnsafeMutablePointer(to: &self) { validator in
                let walk = TableWalk(validator: validator, instance: instance, tableIndex: tableIndex, familyIndex: familyIndex,
                                     stateIndex: stateIndex, context: context)
                if let program = context.programs[stateIndex] {
                    try program.specialize(walk)
                } else {
                    try walk.consume(nil as NoInPlaceLayout?)
                }
            }
        } catch {
            report(.undecodableEntry, error, op: context.op, subtask: context.subtask, state: family.name,
                   file: family.files[tableIndex].file.fileName,
                   prefix: "table \(family.files[tableIndex].file.fileName) of the state's column family does not decode; the rest of it is skipped")
        }
    }

    /// One table's walk with `LSMTableCheck` specialized for the state's layout.
    private struct TableWalk: InPlaceLayoutConsumer {
        let validator: UnsafeMutablePointer<Validator>
        let instance: FlinkRocksDBState
        let tableIndex: Int, familyIndex: Int, stateIndex: Int
        let context: KeyedCheckContext

        func consume<L: InPlaceLayout>(_ layout: L) throws { try consume(Optional(layout)) }

        func consume<L: InPlaceLayout>(_ layout: L?) throws {
            var check = LSMTableCheck(validator: validator, instance: instance, context: context, stateIndex: stateIndex,
                                      familyIndex: familyIndex, program: layout)
            defer { check.finish() }
            try instance.forEachRawEntry(ofTable: tableIndex, inFamily: familyIndex, into: &check)
        }
    }

    /// An entry the simple renderer declined: decoded (which throws the error, if any), then its
    /// key group recomputed. `instance` is passed borrowed: used inside the walk's closure, it is
    /// copied (a dozen retains) per entry.
    mutating func checkDecoded(_ entry: FlinkRocksDBState.RawEntry, of instance: borrowing FlinkRocksDBState,
                               _ context: KeyedCheckContext) throws {
        let stateIndex = entry.stateIndex
        let decoded = try instance.decode(entry)
        if let hasher = context.hashers[stateIndex],
           checkKeyBytes(entry.keyAfterPrefix, keyGroup: entry.keyGroup, stateIndex: stateIndex, hasher: hasher, context) { return }
        checkKey(decoded, schema: context.schemas[stateIndex], op: context.op, subtask: context.subtask, file: instance.name)
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
