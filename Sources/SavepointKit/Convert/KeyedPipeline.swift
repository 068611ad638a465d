import CanonicalFormat
import SavepointMetadata

/// The plan as the converter applies it: `convert` is this with nothing in it; `rewrite` fills it
/// from a checked `RewritePlan`.
///
/// - `metadata`: the `_metadata` to write, with the plan's operator changes applied (ids, uids,
///   operators removed) and its handles still those of the input;
/// - `stages`: keyed-entry stages by operator id in `metadata`;
/// - `pipelined`: the operators written through reader, stages and writer (nil: all); the others
///   are the caller's (a rewrite copies their files byte for byte);
/// - `sources`: where an operator's subtasks read their entries from, when not from their own
///   handle (re-keying: `metadata` then holds the new key-group ranges, and each output subtask
///   reads the input subtasks whose key groups it takes).
public struct KeyedPipeline: @unchecked Sendable {
    public var metadata: CheckpointMetadata
    public let stages: [OperatorID: [any KeyedEntryStage]]
    public var pipelined: Set<OperatorID>?
    public var sources: [OperatorID: any KeyedEntrySource] = [:]
    /// Entries read and kept per state, for each operator with stages (filled while reading).
    let tallies: [OperatorID: EntryTally]
    /// Whether the savepoint format type in `_metadata` follows the target form (a conversion);
    /// a rewrite without `--to` keeps the input's.
    public var setsFormatType = true

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
    /// (or the operator's source's, which may read other subtasks) with the operator's stages on top.
    func reader(_ handle: KeyedStateHandle, of op: OperatorState, subtask: Int, in savepoint: Savepoint) throws -> any RawKeyedStateReader {
        let raw = try sources[op.operatorID]?.reader(subtask: subtask, handle: handle, of: op, in: savepoint)
            ?? RawKeyedStateReaders.open(handle, of: op, in: savepoint)
        return try staged(raw, of: op)
    }

    /// `base` with the operator's stages (as it is without any).
    func staged(_ base: any RawKeyedStateReader, of op: OperatorState) throws -> any RawKeyedStateReader {
        guard let stages = stages[op.operatorID], !stages.isEmpty else { return base }
        return try Self.open(base, stages: stages, tally: tallies[op.operatorID])
    }

    /// Reads every subtask of the operators with stages through them, writing nothing: fills the
    /// tallies (what `--dry-run` reports as entries kept and dropped).
    func count(in savepoint: Savepoint) throws {
        let work = metadata.operatorStates.filter { stages[$0.operatorID] != nil }.flatMap { op in
            op.subtaskStates.compactMap { s in s.state?.managedKeyedState.map { (op, (handle: $0, subtask: s.subtaskIndex)) } }
        }
        _ = try ParallelJobs.run(count: work.count) { k in
            try reader(work[k].1.handle, of: work[k].0, subtask: work[k].1.subtask, in: savepoint).forEachKeyGroup { _ in }
        }
    }

    private static func open<R: RawKeyedStateReader>(_ base: R, stages: [any KeyedEntryStage], tally: EntryTally?) throws -> any RawKeyedStateReader {
        try StagedReader(base: base, stages: stages, tally: tally)
    }
}

/// Where one output subtask's keyed entries come from, for an operator whose entries move between
/// subtasks (a new max parallelism re-assigns every key to a new key group). The reader hands on
/// the key groups of the subtask's range (`handle.keyGroupRange` in the pipeline's metadata) in
/// ascending order, each in canonical order, as every `RawKeyedStateReader` does; the plan's
/// stages then apply to it, and verification compares its digest with the output's.
public protocol KeyedEntrySource: Sendable {
    func reader(subtask: Int, handle: KeyedStateHandle, of op: OperatorState, in savepoint: Savepoint) throws -> any RawKeyedStateReader
}
