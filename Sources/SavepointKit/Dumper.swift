import Bytes
import CanonicalFormat
import FlinkSerialization
import LSMFormat
import SavepointMetadata

/// `savepoint dump`: every keyed entry, timer and operator-state element as JSON Lines in dump
/// schema v1, streamed subtask by subtask and key group by key group.
public struct Dumper {
    public let savepoint: Savepoint
    public let filter: DumpFilter
    /// Renders canonical keyed entries straight from their bytes (`CanonicalEntryJSON`) when no
    /// `--key` filter needs the decoded key. Off: every entry is decoded first (the reference the
    /// direct path is tested against; the output is the same).
    public var directJSON = true
    /// Set: keep going past damage (`--skip-corrupt`), logging here what was skipped.
    public var salvage: SalvageLog?
    /// Subtasks (and the states of a RocksDB instance) rendered side by side, written in order
    /// (nil: one per core; 1: in turn). `--limit` and `--skip-corrupt` dumps are rendered in turn.
    public var jobs: Int?

    public init(savepoint: Savepoint, filter: DumpFilter) {
        self.savepoint = savepoint
        self.filter = filter
    }

    /// Thrown internally to stop early once `--limit` lines are out.
    struct LimitReached: Error {}

    public func run(into output: JSONLinesOutput) throws {
        try filter.check(against: savepoint)
        var me = self
        do {
            if filter.limit == nil, salvage == nil, (jobs ?? ParallelJobs.defaultWidth) > 1 {
                return try writeSideBySide(into: output)
            }
            for op in savepoint.metadata.operatorStates where filter.wants(op) {
                try me.dump(op, into: output)
            }
        } catch is LimitReached {
        } catch is OutputClosed {}
    }

    mutating func dump(_ op: OperatorState, into output: JSONLinesOutput) throws {
        var broadcastSeen = Set<String>()
        for entry in op.subtaskStates {
            guard let state = entry.state else { continue }
            if leavesOut(entry.subtaskIndex, state, broadcastSeen: &broadcastSeen) { continue }
            if let keyed = state.managedKeyedState {
                if let salvage {
                    try dumpKeyedSalvaging(keyed, of: op, subtask: entry.subtaskIndex, log: salvage, into: output)
                } else {
                    try dumpKeyed(keyed, of: op, into: output)
                }
            }
            if let operatorHandle = state.managedOperatorState, filter.keyJSON == nil,
               salvage.map({ savepoint.salvageOperatorState(operatorHandle, of: op, subtask: entry.subtaskIndex, log: $0) }) ?? true {
                try dumpOperatorState(operatorHandle, of: op, subtask: entry.subtaskIndex,
                                      broadcastSeen: &broadcastSeen, into: output)
            }
        }
    }

    /// Whether `--subtasks` leaves this subtask to another shard; its broadcast copies then count
    /// as printed, so the shard holding the lowest subtask that has one prints it, as a whole dump does.
    func leavesOut(_ subtask: Int, _ state: OperatorSubtaskState, broadcastSeen: inout Set<String>) -> Bool {
        guard !filter.wants(subtask: subtask) else { return false }
        _ = state.managedOperatorState.map { operatorPartitions($0, broadcastSeen: &broadcastSeen) }
        return true
    }

    // MARK: keyed state

    mutating func dumpKeyed(_ handle: KeyedStateHandle, of op: OperatorState, into output: JSONLinesOutput) throws {
        if case let .incrementalRemote(h) = handle { return try dumpLSM(h, of: op, into: output) }
        let stream = try KeyedStreams.open(handle, of: op, in: savepoint)
        guard let lines = KeyedLines(schemas: stream.schemas, operatorName: op.displayName, filter: filter, output: output)
        else { return }
        try attributing(to: stream.source.name) {
            guard directJSON, stream.layout == .canonical, lines.keyJSON == nil else {
                return try stream.forEachEntry { try lines.emit($0) }
            }
            let renderers = lines.directRenderers()
            // Unmanaged: the array keeps them alive, and a retain per entry is measurable.
            let unretained = renderers.map { $0.map(Unmanaged.passUnretained) }
            var scratch: [UInt8] = []
            try withExtendedLifetime(renderers) {
                try stream.forEachRawEntryInPlace(inPlace: { entry in
                    guard let renderer = unretained[entry.stateIndex] else { return !lines.wants(entry.stateIndex) }
                    return try renderer._withUnsafeGuaranteedRef { try lines.emit(entry, renderer: $0) }
                }) { raw in
                    guard let renderer = unretained[raw.stateIndex] else {
                        return try lines.emit(&raw, renderer: nil, scratch: &scratch)
                    }
                    try renderer._withUnsafeGuaranteedRef { try lines.emit(&raw, renderer: $0, scratch: &scratch) }
                }
            }
        }
    }

    /// LSM (RocksDB native) keyed state: the visible entries of each state's column family.
    mutating func dumpLSM(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                          into output: JSONLinesOutput) throws {
        try dumpLSM(try LSMKeyedState.open(handle, of: op, in: savepoint), onlyState: nil, of: op, into: output)
    }

    /// The states of an opened instance (or the one at index `onlyState`), in order.
    func dumpLSM(_ db: FlinkRocksDBState, onlyState: Int?, of op: OperatorState,
                 into output: JSONLinesOutput) throws {
        guard let lines = KeyedLines(schemas: db.schemas, operatorName: op.displayName, filter: filter, output: output)
        else { return }
        try attributing(to: db.name) {
            guard directJSON, lines.keyJSON == nil else {
                return try db.forEachEntry(stateFilter: { (onlyState ?? $0) == $0 && lines.wants($0) }) { try lines.emit($0) }
            }
            // RocksDB keeps the canonical key and value bytes, so the canonical renderers apply.
            let renderers = lines.directRenderers()
            let unretained = renderers.map { $0.map(Unmanaged.passUnretained) }
            var scratch: [UInt8] = []
            try withExtendedLifetime(renderers) {
                try db.forEachRawEntry(stateFilter: { (onlyState ?? $0) == $0 && lines.wants($0) }) { entry in
                    guard let renderer = unretained[entry.stateIndex] else {
                        return try lines.emit(entry, of: db, renderer: nil, scratch: &scratch)
                    }
                    try renderer._withUnsafeGuaranteedRef { try lines.emit(entry, of: db, renderer: $0, scratch: &scratch) }
                }
            }
        }
    }

    // MARK: operator state

    mutating func dumpOperatorState(
        _ handle: OperatorStateHandle, of op: OperatorState, subtask: Int,
        broadcastSeen: inout Set<String>, into output: JSONLinesOutput
    ) throws {
        try dumpOperatorState(handle, operatorPartitions(handle, broadcastSeen: &broadcastSeen), of: op,
                              subtask: subtask, into: output)
    }

    /// The partitions of a subtask's operator state the filter selects; `broadcastSeen` names the
    /// broadcast states an earlier subtask printed.
    func operatorPartitions(_ handle: OperatorStateHandle,
                            broadcastSeen: inout Set<String>) -> [OperatorStateStream.StatePartition] {
        guard filter.keyJSON == nil else { return [] }
        return handle.stateNameToPartitionOffsets.compactMap { info -> OperatorStateStream.StatePartition? in
            if !filter.wants(state: info.name) { return nil }
            // Every subtask holds the same broadcast map; print one copy.
            if info.mode == .broadcast, !broadcastSeen.insert(info.name).inserted { return nil }
            return OperatorStateStream.StatePartition(
                name: info.name, mode: OperatorStateDistributionMode(rawValue: info.mode.rawValue) ?? .splitDistribute,
                offsets: info.offsets)
        }
    }

    func dumpOperatorState(_ handle: OperatorStateHandle, _ partitions: [OperatorStateStream.StatePartition],
                           of op: OperatorState, subtask: Int, into output: JSONLinesOutput) throws {
        guard !partitions.isEmpty else { return }
        let source = try savepoint.openStream(handle.delegate)
        let stream = try attributing(to: source.name) { try OperatorStateStream(source: source, partitions: partitions) }
        let operatorName = op.displayName
        try attributing(to: source.name) {
            try stream.forEachElement { element in
                if let limit = filter.limit, output.lineCount >= limit { throw LimitReached() }
                try output.line { DumpLine.operatorElement(element, operatorName: operatorName, subtask: subtask, into: &$0) }
            }
        }
    }
}

/// Writes the keyed entries of one stream: the line prefix of each state (operator, state, kind)
/// is rendered once, and nothing per entry copies the dumper or the schemas.
struct KeyedLines {
    let schemas: [KeyedStateSchema]
    let headers: [[UInt8]]
    let selected: [Bool]
    let keyJSON: JSONValue?
    let limit: Int?
    let output: JSONLinesOutput

    /// nil when the filter selects none of these states.
    init?(schemas: [KeyedStateSchema], operatorName: String, filter: DumpFilter, output: JSONLinesOutput) {
        selected = schemas.map { filter.wants(state: $0.metaInfo.name) }
        guard selected.contains(true) else { return nil }
        self.schemas = schemas
        headers = schemas.map { DumpLine.header(operatorName: operatorName, state: $0.metaInfo.name, kind: $0.kind.rawValue) }
        keyJSON = filter.keyJSON
        limit = filter.limit
        self.output = output
    }

    func wants(_ stateIndex: Int) -> Bool { selected[stateIndex] }

    func emit(_ entry: KeyedStateEntry) throws {
        guard selected[entry.stateIndex] else { return }
        if let keyJSON, !DumpLine.jsonEquals(entry.key, keyJSON) { return }
        if let limit, output.lineCount >= limit { throw Dumper.LimitReached() }
        try output.line { DumpLine.keyed(entry, header: headers[entry.stateIndex], into: &$0) }
    }

    /// The direct renderer of each selected state, nil where the state takes the decoding path.
    func directRenderers() -> [CanonicalEntryJSON?] {
        schemas.indices.map { selected[$0] ? CanonicalEntryJSON(schema: schemas[$0], header: headers[$0]) : nil }
    }

    /// One canonical entry in place, when its renderer has a simple form for it; false sends the
    /// entry to the general path.
    func emit(_ entry: CanonicalKeyGroupBlock.EntryBytes, renderer: CanonicalEntryJSON) throws -> Bool {
        if let limit, output.lineCount >= limit { throw Dumper.LimitReached() }
        return try renderer.withSimpleLine(key: entry.keyAfterPrefix, value: entry.value) { line in
            try output.line { $0.append(contentsOf: line) }
        }
    }

    /// One canonical entry, rendered straight from its bytes.
    func emit(_ raw: inout CanonicalKeyGroupBlock.RawEntry, renderer: CanonicalEntryJSON?,
              scratch: inout [UInt8]) throws {
        guard selected[raw.stateIndex] else { return }
        guard let renderer else { return try emit(try schemas[raw.stateIndex].decodeCanonical(raw)) }
        if let limit, output.lineCount >= limit { throw Dumper.LimitReached() }
        if try renderer.withSimpleLine(&raw, { line in try output.line { $0.append(contentsOf: line) } }) { return }
        let schema = schemas[raw.stateIndex]
        try emitRendered(raw, renderer: renderer, scratch: &scratch) { [raw] in try schema.decodeCanonical(raw) }
    }

    /// One visible LSM entry, rendered straight from its bytes like a canonical one (RocksDB keeps
    /// the canonical key and value bytes); `FlinkRocksDBState.decode` gives its errors.
    func emit(_ entry: FlinkRocksDBState.RawEntry, of db: FlinkRocksDBState, renderer: CanonicalEntryJSON?,
              scratch: inout [UInt8]) throws {
        guard selected[entry.stateIndex] else { return }
        guard let renderer else { return try emit(try db.decode(entry)) }
        if let limit, output.lineCount >= limit { throw Dumper.LimitReached() }
        if try renderer.withSimpleLine(key: entry.keyAfterPrefix, value: entry.value, { line in
            try output.line { $0.append(contentsOf: line) }
        }) { return }
        let raw = CanonicalKeyGroupBlock.RawEntry(
            stateIndex: entry.stateIndex, keyGroup: entry.keyGroup,
            keyAfterPrefix: ByteReader(Array(entry.keyAfterPrefix)), value: ByteReader(Array(entry.value)))
        try emitRendered(raw, renderer: renderer, scratch: &scratch) { try db.decode(entry) }
    }

    /// The general path: the entry rendered by its serializers (into `scratch`, then out as one
    /// line). Should the renderer fail, the entry is decoded and printed the usual way, so errors
    /// (and anything the renderer might get wrong about bad input) are the decoding path's.
    func emitRendered(_ raw: CanonicalKeyGroupBlock.RawEntry, renderer: CanonicalEntryJSON, scratch: inout [UInt8],
                      decode: () throws -> KeyedStateEntry) throws {
        var readers = raw
        scratch.removeAll(keepingCapacity: true)
        guard (try? renderer.append(&readers, to: &scratch)) != nil else { return try emit(try decode()) }
        try scratch.withUnsafeBufferPointer { line in try output.line { $0.append(contentsOf: line) } }
    }
}
