import CanonicalFormat
import SavepointMetadata

/// Compares one operator state (list, union or broadcast) on two sides, in memory (operator state
/// is small: Flink itself holds it whole on every restore). Elements are the lines `dump` prints
/// for them: list and union elements are identified by their whole line (value and subtask), so
/// they are only added or removed, and as a multiset; broadcast entries by their user key.
enum OperatorStateDiff {
    /// The dump lines of state `state` of `op` (named `operatorName`), every subtask's.
    static func lines(of op: OperatorState, state: String, operatorName: String, in savepoint: Savepoint) throws -> [[UInt8]] {
        var named = op
        named.uid = operatorName
        var filter = DumpFilter()
        filter.stateNames = [state]
        let dumper = Dumper(savepoint: savepoint, filter: filter)
        let out = JSONLinesOutput.inMemory()
        var broadcastSeen = Set<String>()
        for entry in op.subtaskStates {
            guard let handle = entry.state?.managedOperatorState else { continue }
            let partitions = dumper.operatorPartitions(handle, broadcastSeen: &broadcastSeen)
            try dumper.dumpOperatorState(handle, partitions, of: named, subtask: entry.subtaskIndex, into: out)
        }
        try out.flush()
        return out.collected.split(separator: 0x0A).map(Array.init)
    }

    /// Bytes of the state in every subtask's stream.
    static func bytes(of op: OperatorState, state: String) -> Int64 {
        op.subtaskStates.compactMap(\.state?.managedOperatorState)
            .reduce(0) { $0 + (OperatorStateHeaders.partitionSizes($1)[state] ?? 0) }
    }

    static func compare(old: [[UInt8]], new: [[UInt8]], kind: String, into c: inout StateDifference,
                        entries: JSONLinesOutput?) throws {
        let byKey = kind == "broadcast"
        func identity(_ line: [UInt8]) -> ArraySlice<UInt8> { byKey ? DiffLine.identity(line) : line[...] }
        var before: [ArraySlice<UInt8>: [[UInt8]]] = [:]
        for line in old { before[identity(line), default: []].append(line) }
        for line in new {
            let id = identity(line)
            guard var candidates = before[id], let previous = candidates.popLast() else {
                c.added += 1
                try entries?.line { $0 += DiffLine.decorated(line, change: .added) }
                continue
            }
            before[id] = candidates.isEmpty ? nil : candidates
            if DiffLine.contents(previous) == DiffLine.contents(line) {
                c.unchanged += 1
            } else {
                c.changed += 1
                try entries?.line { $0 += DiffLine.decorated(line, change: .changed, before: previous) }
            }
        }
        for line in old where before[identity(line)] != nil {
            let id = identity(line)
            guard var left = before[id], !left.isEmpty else { continue }
            left.removeLast()
            before[id] = left.isEmpty ? nil : left
            c.removed += 1
            try entries?.line { $0 += DiffLine.decorated(line, change: .removed) }
        }
    }
}
