import CanonicalFormat
import Foundation
import SavepointMetadata

/// The verification step of a conversion: the written directory read back and compared with the input.
extension Converter {
    /// Reads the written directory back and compares it with the input as the plan makes it: per
    /// operator the pipeline wrote and subtask, every state's entry count and digest (subtasks side
    /// by side); operator state streams byte for byte. Returns the entries per state and the output as it read back.
    func verify(_ openWritten: () throws -> Savepoint) throws -> (perState: [String: Int64], written: Savepoint) {
        let written: Savepoint
        do {
            written = try openWritten()
        } catch {
            throw ConvertError.verificationFailed("the written _metadata does not read back: \(error)")
        }
        return (try verify(written), written)
    }

    /// `verify` of an output already opened; returns the entries per state.
    func verify(_ written: Savepoint) throws -> [String: Int64] {
        guard written.metadata.operatorStates.count == asRead.operatorStates.count else {
            throw ConvertError.verificationFailed("operator count differs")
        }
        var keyed: [(op: OperatorState, written: OperatorState, subtask: Int, handle: KeyedStateHandle)] = []
        for (a, b) in zip(asRead.operatorStates, written.metadata.operatorStates) where pipeline.isPipelined(a) {
            guard a.operatorID == b.operatorID, a.subtaskStates.count == b.subtaskStates.count else {
                throw ConvertError.verificationFailed("operator \(a.displayName) differs in id or subtasks")
            }
            for (sa, sb) in zip(a.subtaskStates, b.subtaskStates) {
                try verifyOperatorState(sa.state, sb.state, written: written, op: a, subtask: sa.subtaskIndex)
                guard let handle = sb.state?.managedKeyedState else {
                    guard sa.state?.managedKeyedState == nil else {
                        throw ConvertError.verificationFailed("operator \(a.displayName) subtask \(sa.subtaskIndex) lost its keyed state")
                    }
                    continue
                }
                keyed.append((a, b, sa.subtaskIndex, handle))
            }
        }
        let digests = try ParallelJobs.run(count: keyed.count) { k in
            try RawKeyedStateReaders.open(keyed[k].handle, of: keyed[k].written, in: written).digest()
        }
        var perState: [String: Int64] = [:]
        for (subtask, digest) in zip(keyed, digests) {
            let expected = inputDigests[Self.digestKey(subtask.op, subtask.subtask)] ?? StateDigest()
            if let diff = StateDigest.difference(input: expected, output: digest) {
                throw ConvertError.verificationFailed("operator \(subtask.op.displayName) subtask \(subtask.subtask): \(diff)")
            }
            for (name, s) in digest.states { perState[name, default: 0] += s.entries }
        }
        return perState
    }

    func verifyOperatorState(_ a: OperatorSubtaskState?, _ b: OperatorSubtaskState?, written: Savepoint,
                             op: OperatorState, subtask: Int) throws {
        for (x, y) in [(a?.managedOperatorState, b?.managedOperatorState), (a?.rawOperatorState, b?.rawOperatorState)] {
            guard let x, let y else {
                guard x == nil, y == nil else {
                    throw ConvertError.verificationFailed("operator \(op.displayName) subtask \(subtask): operator state handle missing")
                }
                continue
            }
            let sx = try input.openStream(x.delegate), sy = try written.openStream(y.delegate)
            guard x.stateNameToPartitionOffsets == y.stateNameToPartitionOffsets,
                  try sx.read(0..<sx.size) == sy.read(0..<sy.size) else {
                throw ConvertError.verificationFailed("operator \(op.displayName) subtask \(subtask): operator state differs")
            }
        }
    }
}
