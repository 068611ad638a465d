import Foundation
@testable import SavepointKit
import SavepointMetadata

/// A whole savepoint moved to another max parallelism with the convert writers, the way a writer
/// that writes subtasks one by one uses the Rekey components (`MaxParallelismChange.planned`, then
/// `OperatorRekeyings` per subtask), so that they can be judged by reading the result back (and by
/// real Flink, with `restore-check`).
enum RekeyTestSupport {
    static func rekey(_ path: String, maxParallelism: Int, target: ConvertOptions.Target, into out: URL,
                      memoryBudget: Int = KeyGroupRekeying.defaultMemoryBudget) throws {
        let input = try Savepoint.open(path)
        let converter = Converter(input: input, options: ConvertOptions(target: target))
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let placement = StreamPlacement(directory: out, finalDirectory: out,
                                        inlineThreshold: ConvertOptions(target: target).effectiveInlineThreshold)
        let spill = out.appendingPathComponent(".spill")
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: spill) }
        var metadata = input.metadata
        metadata.operatorStates = try input.metadata.operatorStates.map {
            try MaxParallelismChange.check($0, maxParallelism: maxParallelism, in: input)
            return MaxParallelismChange.planned($0, maxParallelism: maxParallelism)
        }
        let rekeyings = OperatorRekeyings(
            input: input, moves: input.metadata.operatorStates.filter(MaxParallelismChange.hasKeyedState).map {
                OperatorRekeyings.Move(outputID: $0.operatorID, input: $0, maxParallelism: maxParallelism)
            }, spillDirectory: spill, memoryBudget: memoryBudget)
        defer { rekeyings.removeFiles() }
        for (i, op) in metadata.operatorStates.enumerated() {
            var handles: [Int: KeyedStateHandle] = [:]
            for j in op.subtaskStates.indices {
                guard var state = op.subtaskStates[j].state else { continue }
                let subtask = op.subtaskStates[j].subtaskIndex
                state.managedOperatorState = try state.managedOperatorState.map { try converter.copy($0, placement: placement) }
                metadata.operatorStates[i].subtaskStates[j].state = state
                if state.managedKeyedState != nil, let reader = try rekeyings.reader(operator: op.operatorID, subtask: subtask) {
                    handles[subtask] = try converter.writeKeyed(reader, placement: placement)
                }
            }
            metadata.operatorStates[i] = try MaxParallelismChange.applying(
                to: metadata.operatorStates[i], maxParallelism: maxParallelism, keyedHandles: handles)
        }
        if let trailer = metadata.checkpointProperties {
            metadata.checkpointProperties = (target == .lsm ? SavepointFormatType.native : .canonical).applied(to: trailer)
        }
        try Data(try metadata.serialized()).write(to: out.appendingPathComponent(Savepoint.metadataFileName))
    }
}
