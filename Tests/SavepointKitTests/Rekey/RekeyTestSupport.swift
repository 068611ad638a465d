import Foundation
@testable import SavepointKit
import SavepointMetadata

/// A whole savepoint moved to another max parallelism with the convert writers: what `rewrite
/// --max-parallelism` does, here without the pipeline, so the Rekey components can be judged by
/// reading the result back (and by real Flink, with `restore-check`).
enum RekeyTestSupport {
    static func rekey(_ path: String, maxParallelism: Int, target: ConvertOptions.Target, into out: URL) throws {
        let input = try Savepoint.open(path)
        let converter = Converter(input: input, options: ConvertOptions(target: target))
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let placement = StreamPlacement(directory: out, finalDirectory: out,
                                        inlineThreshold: ConvertOptions(target: target).effectiveInlineThreshold)
        let spill = out.appendingPathComponent(".spill")
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: spill) }
        var metadata = input.metadata
        for (i, op) in input.metadata.operatorStates.enumerated() {
            try MaxParallelismChange.check(op, maxParallelism: maxParallelism)
            var copied = op
            for j in copied.subtaskStates.indices {
                guard var state = copied.subtaskStates[j].state else { continue }
                state.managedOperatorState = try state.managedOperatorState.map { try converter.copy($0, placement: placement) }
                copied.subtaskStates[j].state = state
            }
            var handles: [Int: KeyedStateHandle] = [:]
            if MaxParallelismChange.hasKeyedState(op) {
                let readers = try op.subtaskStates.compactMap(\.state?.managedKeyedState).map {
                    try RawKeyedStateReaders.open($0, of: op, in: input)
                }
                let rekeyed = try KeyGroupRekeying(readers: readers, maxParallelism: maxParallelism,
                                                   parallelism: op.parallelism, spillDirectory: spill)
                defer { rekeyed.removeFiles() }
                for reader in rekeyed.subtaskReaders {
                    handles[reader.subtask] = try converter.writeKeyed(reader, placement: placement)
                }
            }
            metadata.operatorStates[i] = try MaxParallelismChange.applying(to: copied, maxParallelism: maxParallelism,
                                                                          keyedHandles: handles)
        }
        if let trailer = metadata.checkpointProperties {
            metadata.checkpointProperties = (target == .lsm ? SavepointFormatType.native : .canonical).applied(to: trailer)
        }
        try Data(try metadata.serialized()).write(to: out.appendingPathComponent(Savepoint.metadataFileName))
    }
}
