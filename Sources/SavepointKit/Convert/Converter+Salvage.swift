import CanonicalFormat
import SavepointMetadata

/// `convert --skip-corrupt`: every handle is read through the salvaging readers; what does not
/// read is left out of the output and logged. The output keeps every keyed handle (with its
/// whole key-group range and the states' meta information) whenever the meta information reads
/// somewhere, so Flink restores it: a lost key group simply has no entries. Verification compares
/// the output with what was read (`asRead`, and the digests taken while writing).
extension Converter {
    func convertSalvaging(_ state: OperatorSubtaskState, of op: OperatorState, subtask: Int,
                          placement: StreamPlacement) throws -> SubtaskResult {
        let log = SalvageLog()
        var read = state
        var out = OperatorSubtaskState(legacyDuration: state.legacyDuration)
        if let handle = state.managedOperatorState {
            // Copied as bytes, but used only when every element decodes.
            if input.salvageOperatorState(handle, of: op, subtask: subtask, log: log) {
                out.managedOperatorState = try copy(handle, placement: placement)
            } else {
                read.managedOperatorState = nil
            }
        }
        // Raw state is the job's own bytes: nothing to decode, only to find.
        if let handle = state.rawOperatorState {
            out.rawOperatorState = try salvagingCopy(of: op, subtask: subtask, log: log) { try copy(handle, placement: placement) }
            if out.rawOperatorState == nil { read.rawOperatorState = nil }
        }
        if let handle = state.rawKeyedState {
            out.rawKeyedState = try salvagingCopy(of: op, subtask: subtask, keyGroups: handle.keyGroupRange, log: log) {
                try copyRaw(handle, of: op, placement: placement)
            }
            if out.rawKeyedState == nil { read.rawKeyedState = nil }
        }
        let reader = try state.managedKeyedState.flatMap {
            SalvagingReaders.open($0, of: op, subtask: subtask, in: input, log: log)?.reader
        }.map { try pipeline.staged($0, of: op) }
        if reader == nil { read.managedKeyedState = nil }
        var result = try convertKeyed(reader, into: SubtaskResult(state: out), of: op, subtask: subtask, placement: placement)
        result.asRead = read
        result.skipped = log.skipped
        return result
    }

    /// `copy`, but a stream that is missing or does not read is logged and left out (nil).
    func salvagingCopy<H>(of op: OperatorState, subtask: Int, keyGroups: KeyGroupRange? = nil, log: SalvageLog,
                          _ copy: () throws -> H) throws -> H? {
        do {
            return try copy()
        } catch let e as SavepointError {
            if case .io = e { throw e }   // writing the output failed: not the input's damage
            log.add(SkippedRange(operator: op.displayName, subtask: subtask,
                                 file: SkippedRange.file(of: e, fallback: input.metadataPath),
                                 keyGroups: keyGroups.map { .init(first: $0.startKeyGroup, last: max($0.startKeyGroup, $0.endKeyGroup)) },
                                 reason: SkippedRange.reason(e) + (keyGroups == nil ? "" : " (raw keyed state)")))
            return nil
        }
    }
}
