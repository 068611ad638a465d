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
        let names = stream.schemas.map(\.metaInfo.name)
        if let wanted = filter.stateName, !names.contains(wanted) { return }
        let operatorName = op.displayName
        try attributing(to: stream.source.name) {
            try stream.forEachEntry { entry in
                let schema = stream.schemas[entry.stateIndex]
                if let wanted = filter.stateName, schema.metaInfo.name != wanted { return }
                try emit(output) { out in
                    DumpLine.keyed(entry, schema: schema, operatorName: operatorName, into: &out)
                } keyMatches: { filter.keyJSON.map { DumpLine.jsonEquals(entry.key, $0) } ?? true }
            }
        }
    }

    /// LSM (RocksDB native) keyed state: the visible entries of each state's column family.
    mutating func dumpLSM(_ handle: IncrementalRemoteKeyedStateHandle, of op: OperatorState,
                          into output: JSONLinesOutput) throws {
        let db = try LSMKeyedState.open(handle, of: op, in: savepoint)
        let names = db.schemas.map(\.metaInfo.name)
        if let wanted = filter.stateName, !names.contains(wanted) { return }
        let operatorName = op.displayName
        try attributing(to: db.name) {
            let wanted = filter.stateName
            try db.forEachEntry(stateFilter: { i in wanted == nil || names[i] == wanted }) { entry in
                let schema = db.schemas[entry.stateIndex]
                try emit(output) { out in
                    DumpLine.keyed(entry, schema: schema, operatorName: operatorName, into: &out)
                } keyMatches: { filter.keyJSON.map { DumpLine.jsonEquals(entry.key, $0) } ?? true }
            }
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
                try emit(output) { out in
                    DumpLine.operatorElement(element, operatorName: operatorName, subtask: subtask, into: &out)
                } keyMatches: { true }
            }
        }
    }

    func emit(_ output: JSONLinesOutput, _ build: (inout [UInt8]) -> Void, keyMatches: () -> Bool) throws {
        guard keyMatches() else { return }
        if let limit = filter.limit, output.lineCount >= limit { throw LimitReached() }
        try output.line(build)
    }
}
