import CanonicalFormat
import SavepointMetadata

/// The plan as the converter applies it: `convert` is this with nothing in it; `rewrite` fills it
/// from a checked `RewritePlan`.
///
/// - `metadata`: the `_metadata` to write, with the plan's operator changes applied (ids, uids,
///   operators removed) and its handles still those of the input;
/// - `stages`: keyed-entry stages by operator id in `metadata`;
/// - `pipelined`: the operators written through reader, stages and writer (nil: all); the others
///   are the caller's (a rewrite copies their files byte for byte).
public struct KeyedPipeline: @unchecked Sendable {
    public var metadata: CheckpointMetadata
    public let stages: [OperatorID: [any KeyedEntryStage]]
    public var pipelined: Set<OperatorID>?
    /// Entries read and kept per state, for each operator with stages (filled while reading).
    let tallies: [OperatorID: EntryTally]
    /// Operators moved to another max parallelism: each subtask's entries come from their
    /// re-keyed readers, over every input subtask (set by the writer, which owns the spill directory).
    public var rekeyings: OperatorRekeyings?
    /// Whether the savepoint format type in `_metadata` follows the target form (a conversion);
    /// a rewrite without `--to` keeps the input's.
    public var setsFormatType = true
    /// Whether canonical streams' key groups may pass in their stored order, each state's entries
    /// one run but not sorted by key (`RawKeyedStateReaders.open`): a plan written in a canonical
    /// form (which needs no more) and without stages that insert entries sets it, saving the sort
    /// of every key group of a hashmap backend's savepoint. `convert` keeps canonical order.
    public var storedOrder = false

    public init(metadata: CheckpointMetadata, stages: [OperatorID: [any KeyedEntryStage]] = [:],
                pipelined: Set<OperatorID>? = nil, setsFormatType: Bool = true) {
        self.metadata = metadata
        self.setsFormatType = setsFormatType
        self.stages = stages
        self.pipelined = pipelined
        tallies = stages.mapValues { _ in EntryTally() }
    }

    /// `convert`: the input as it is, every operator through the pipeline.
    static func identity(_ metadata: CheckpointMetadata) -> KeyedPipeline { KeyedPipeline(metadata: metadata) }

    func isPipelined(_ op: OperatorState) -> Bool { pipelined?.contains(op.operatorID) ?? true }

    /// The one place a subtask's keyed entries are read for writing: the raw reader of its handle
    /// with the operator's stages on top. A stage that moves entries between subtasks replaces the
    /// raw reader here with one over every input subtask whose key groups it needs.
    func reader(_ handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint) throws -> any RawKeyedStateReader {
        if let rekeyed = try rekeyings?.reader(operator: op.operatorID, keyGroupRange: handle.keyGroupRange) {
            return try staged(rekeyed, of: op)
        }
        return try staged(try RawKeyedStateReaders.open(handle, of: op, in: savepoint, storedOrder: storedOrder), of: op)
    }

    /// `base` with the operator's stages (as it is without any).
    func staged(_ base: any RawKeyedStateReader, of op: OperatorState) throws -> any RawKeyedStateReader {
        guard let stages = stages[op.operatorID], !stages.isEmpty else { return base }
        return try Self.open(base, stages: stages, tally: tallies[op.operatorID])
    }

    /// Reads every subtask of the operators with stages through them, writing nothing: fills the
    /// tallies (what `--dry-run` reports as entries kept and dropped).
    func count(in savepoint: Savepoint) throws {
        let work = metadata.operatorStates.filter { stages[$0.operatorID] != nil || rekeyings?.moves($0.operatorID) == true }.flatMap { op in
            op.subtaskStates.compactMap(\.state?.managedKeyedState).map { (op, $0) }
        }
        _ = try ParallelJobs.run(count: work.count) { k in
            try reader(work[k].1, of: work[k].0, in: savepoint).forEachKeyGroup { _ in }
        }
    }

    private static func open<R: RawKeyedStateReader>(_ base: R, stages: [any KeyedEntryStage], tally: EntryTally?) throws -> any RawKeyedStateReader {
        try StagedReader(base: base, stages: stages, tally: tally)
    }
}
