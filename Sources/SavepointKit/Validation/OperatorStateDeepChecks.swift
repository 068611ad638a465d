import CanonicalFormat
import FlinkSerialization
import SavepointMetadata

/// Deep checks on operator state: every list element and broadcast entry decodes, and every
/// subtask holds the same copy of each broadcast state (Flink restores one copy to all).
extension Validator {
    /// Broadcast copies larger than this are compared in order only, not as sets.
    static let broadcastSetComparisonLimit = 4096

    mutating func checkOperatorStateDeeply() {
        for op in savepoint.metadata.operatorStates {
            var firstCopy: [String: (subtask: Int, elements: [OperatorStateElement])] = [:]
            for (index, state) in op.presentSubtasks {
                guard checks(subtask: index) else {
                    readBroadcastReference(state, op: op, subtask: index, firstCopy: &firstCopy)
                    continue
                }
                if state.rawOperatorState != nil {
                    log.warning(.notChecked, "\(op.label): raw operator state is user-defined bytes and is not decoded",
                                at: location(op, subtask: index))
                }
                guard let handle = state.managedOperatorState, !hasBadPath(handle.delegate) else { continue }
                checkOperatorStream(handle, op: op, subtask: index, firstCopy: &firstCopy)
            }
        }
    }

    /// A subtask another shard checks: when it holds the first copy of a broadcast state, that
    /// copy is still what this shard's copies are compared with, as in a whole run. It is read on a
    /// copy of this validator, so nothing it finds or counts is this shard's.
    func readBroadcastReference(_ state: OperatorSubtaskState, op: OperatorState, subtask: Int,
                                firstCopy: inout [String: (subtask: Int, elements: [OperatorStateElement])]) {
        guard let handle = state.managedOperatorState, handle.stateNameToPartitionOffsets.contains(where: {
            $0.mode == .broadcast && firstCopy[$0.name] == nil
        }) else { return }
        var other = self
        other.checkOperatorStream(handle, op: op, subtask: subtask, firstCopy: &firstCopy)
    }

    func hasBadPath(_ stream: StreamStateHandle) -> Bool {
        stream.leafStreams.contains { handle in
            guard case let .file(range)? = try? savepoint.location.resolve(handle) else { return false }
            return badPaths.contains(range.path)
        }
    }

    mutating func checkOperatorStream(
        _ handle: OperatorStateHandle, op: OperatorState, subtask: Int,
        firstCopy: inout [String: (subtask: Int, elements: [OperatorStateElement])]
    ) {
        let partitions = handle.stateNameToPartitionOffsets.map { info in
            OperatorStateStream.StatePartition(
                name: info.name, mode: OperatorStateDistributionMode(rawValue: info.mode.rawValue) ?? .splitDistribute,
                offsets: info.offsets)
        }
        let stream: OperatorStateStream
        do {
            stream = try OperatorStateStream(source: try savepoint.openStream(handle.delegate), partitions: partitions)
        } catch {
            report(.unreadableStateHeader, error, op: op, subtask: subtask, prefix: "the operator state header does not read")
            return
        }
        for partition in partitions {
            var elements: [OperatorStateElement] = []
            do {
                try stream.forEachElement(of: partition) { element in
                    checked.operatorStateElements += 1
                    if partition.mode == .broadcast { elements.append(element) }
                }
            } catch {
                report(.undecodableOperatorState, error, op: op, subtask: subtask, state: partition.name,
                       file: stream.source.name, prefix: "operator state '\(partition.name)' does not decode")
                continue
            }
            guard partition.mode == .broadcast else { continue }
            if let reference = firstCopy[partition.name] {
                compareBroadcast(elements, with: reference.elements, name: partition.name, op: op,
                                 subtask: subtask, referenceSubtask: reference.subtask)
            } else {
                firstCopy[partition.name] = (subtask, elements)
            }
        }
    }

    mutating func compareBroadcast(_ copy: [OperatorStateElement], with reference: [OperatorStateElement], name: String,
                                   op: OperatorState, subtask: Int, referenceSubtask: Int) {
        guard !Self.sameBroadcastCopy(copy, reference) else { return }
        log.warning(.broadcastCopiesDiffer,
                    "\(op.label): broadcast state '\(name)' of subtask \(subtask) (\(copy.count) entries) differs from subtask \(referenceSubtask)'s (\(reference.count) entries); Flink restores subtask 0's copy to every subtask",
                    at: location(op, subtask: subtask, state: name))
    }

    /// Same entries, in any order (a broadcast state is a hash map; copies may iterate differently).
    static func sameBroadcastCopy(_ a: [OperatorStateElement], _ b: [OperatorStateElement]) -> Bool {
        guard a.count == b.count else { return false }
        if a == b { return true }
        guard a.count <= broadcastSetComparisonLimit else { return false }
        var unmatched = b
        for element in a {
            guard let i = unmatched.firstIndex(of: element) else { return false }
            unmatched.swapAt(i, unmatched.count - 1)
            unmatched.removeLast()
        }
        return true
    }
}
