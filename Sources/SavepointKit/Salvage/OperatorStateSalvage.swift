import CanonicalFormat
import SavepointMetadata

extension Savepoint {
    /// Reads every element of every partition of an operator state handle, keeping nothing: under
    /// `--skip-corrupt` a stream is used only when all of it reads, so a damaged stream costs
    /// exactly that subtask's partitions, never a part of one.
    func checkOperatorState(_ handle: OperatorStateHandle) throws {
        let partitions = handle.stateNameToPartitionOffsets.map { info in
            OperatorStateStream.StatePartition(
                name: info.name, mode: OperatorStateDistributionMode(rawValue: info.mode.rawValue) ?? .splitDistribute,
                offsets: info.offsets)
        }
        let source = try openStream(handle.delegate)
        try attributing(to: source.name) {
            try OperatorStateStream(source: source, partitions: partitions).forEachElement { _ in }
        }
    }

    /// Whether the operator state handle reads; when not, its partitions are logged as skipped.
    func salvageOperatorState(_ handle: OperatorStateHandle, of op: OperatorState, subtask: Int,
                              log: SalvageLog) -> Bool {
        do {
            try checkOperatorState(handle)
            return true
        } catch {
            log.add(SkippedRange(operator: op.displayName, subtask: subtask,
                                 file: SkippedRange.file(of: error, fallback: metadataPath),
                                 partitions: handle.stateNameToPartitionOffsets.map(\.name),
                                 reason: SkippedRange.reason(error)))
            return false
        }
    }
}
