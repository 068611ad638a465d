import Bytes
import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// `savepoint dump`: every keyed entry, timer and operator-state element as JSON Lines in dump
/// schema v1, streamed subtask by subtask and key group by key group.
public struct Dumper {
    public let savepoint: Savepoint
    public let filter: DumpFilter
    var written = 0

    public init(savepoint: Savepoint, filter: DumpFilter) {
        self.savepoint = savepoint
        self.filter = filter
    }

    /// Thrown internally to stop early once `--limit` lines are out.
    struct LimitReached: Error {}

    public func run(into output: JSONLinesOutput) throws {
        var me = self
        do {
            for op in savepoint.metadata.operatorStates where filter.operatorSelector.map(op.matches) ?? true {
                try me.dump(op, into: output)
            }
        } catch is LimitReached {
        } catch is OutputClosed {}
    }

    mutating func dump(_ op: OperatorState, into output: JSONLinesOutput) throws {
        var broadcastSeen = Set<String>()
        for entry in op.subtaskStates {
            guard let state = entry.state else { continue }
            if let keyed = state.managedKeyedState {
                try dumpKeyed(keyed, of: op, into: output)
            }
            if let operatorHandle = state.managedOperatorState {
                try dumpOperatorState(operatorHandle, of: op, subtask: entry.subtaskIndex,
                                      broadcastSeen: &broadcastSeen, into: output)
            }
        }
    }

    // MARK: keyed state

    mutating func dumpKeyed(_ handle: KeyedStateHandle, of op: OperatorState, into output: JSONLinesOutput) throws {
        if case let .incrementalRemote(h) = handle { return try dumpLSM(h, of: op, into: output) }
        let stream = try KeyedStreams.open(handle, of: op, in: savepoint)
        guard let lines = KeyedLines(schemas: stream.schemas, operatorName: op.displayName, filter: filter, output: output)
        else { return }
        try attributing(to: stream.source.name) {
            try stream.forEachEntry { try lines.emit($0) }
        }
    }

    /// LSM (RocksDB native) keyed state: the visible entries of each state's column family.
    mutating func dumpLSM(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                          into output: JSONLinesOutput) throws {
        let db = try LSMKeyedState.open(handle, of: op, in: savepoint)
        guard let lines = KeyedLines(schemas: db.schemas, operatorName: op.displayName, filter: filter, output: output)
        else { return }
        try attributing(to: db.name) {
            try db.forEachEntry(stateFilter: { lines.wants($0) }) { try lines.emit($0) }
        }
    }

    // MARK: operator state

    mutating func dumpOperatorState(
        _ handle: OperatorStateHandle, of op: OperatorState, subtask: Int,
        broadcastSeen: inout Set<String>, into output: JSONLinesOutput
    ) throws {
        guard filter.keyJSON == nil else { return }
        let partitions = handle.stateNameToPartitionOffsets.compactMap { info -> OperatorStateStream.StatePartition? in
            if let wanted = filter.stateName, info.name != wanted { return nil }
            // Every subtask holds the same broadcast map; print one copy.
            if info.mode == .broadcast, !broadcastSeen.insert(info.name).inserted { return nil }
            return OperatorStateStream.StatePartition(
                name: info.name, mode: OperatorStateDistributionMode(rawValue: info.mode.rawValue) ?? .splitDistribute,
                offsets: info.offsets)
        }
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
        selected = schemas.map { filter.stateName == nil || $0.metaInfo.name == filter.stateName }
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
}
