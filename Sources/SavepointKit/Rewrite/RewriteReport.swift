import Foundation

/// What a rewrite did (or, for `--dry-run`, would do), for the text and JSON output.
public struct RewriteReport: Codable, Sendable {
    /// One operator the plan touches.
    public struct OperatorChangeReport: Codable, Sendable {
        /// The operator as the input names it: its uid, else its id in hex.
        public var `operator`: String
        public var operatorId: String
        /// The operations on it, as their command-line options.
        public var operations: [String]
        public var removed: Bool
        public var newOperatorId: String?
        public var newUid: String?
        /// Keyed states renamed, old name to new name.
        public var renamedStates: [String: String]
        /// Keyed states dropped with their entries.
        public var droppedStates: [String]
        /// Its max parallelism in the input, and the new one (`--max-parallelism`; nil: kept).
        public var maxParallelism: Int
        public var newMaxParallelism: Int?
        /// Whether the new uid is written into `_metadata` (version 5 and later; Flink matches by id).
        public var uidStored: Bool
        /// Its keyed and operator state names, which go with it (or leave with it).
        public var states: [String]
        public var subtasks: Int
        /// Whether it has operator coordinator state (a FLIP-27 source's split assignment), which
        /// moves with it.
        public var coordinatorState: Bool
        /// Where the plan touches its entries: per keyed state of the input, entries read and kept
        /// (summed over subtasks; nil where the plan does not read its entries).
        public var entries: [StateEntries]?
    }

    /// Entries of one keyed state read from the input and written to the output.
    public struct StateEntries: Codable, Sendable, Equatable {
        public var state: String
        /// Its name in the output, when renamed; nil when it stays or is dropped.
        public var renamedTo: String?
        public var read: Int64
        public var kept: Int64
        public var dropped: Int64
        /// Entries whose value `--upsert` replaced, and entries it added (nil: none); `kept` and `dropped`
        /// counts the input's entries only.
        public var replaced: Int64?
        public var inserted: Int64?
        /// List elements `--purge-expired-ttl` dropped (those of entries dropped whole too; nil:
        /// not a purged list state).
        public var elementsDropped: Int64?

        public init(state: String, renamedTo: String?, read: Int64, kept: Int64, replaced: Int64? = nil, inserted: Int64? = nil) {
            (self.state, self.renamedTo, self.read, self.kept, dropped) = (state, renamedTo, read, kept, read - kept)
            (self.replaced, self.inserted) = (replaced, inserted)
        }
    }

    /// The input savepoint as the user named it (every report calls its input `path`).
    public var path: String
    public var output: String
    public var dryRun: Bool
    /// The operations, in the plan file's format (a dry run's report is a plan to review).
    public var plan: RewritePlan
    /// `--to`: the form every operator was written in (nil: each kept its form).
    public var target: ConvertOptions.Target?
    public var operators: [OperatorChangeReport]
    /// Operators in the output.
    public var operatorsWritten: Int
    /// Operators whose state was read and written again through the pipeline (not copied).
    public var operatorsConverted: Int
    /// State files copied byte for byte (or to be copied, in a dry run), and their bytes.
    public var filesCopied: Int
    /// Their names in the output directory (as in the input for a savepoint's relative files).
    public var files: [String]
    public var bytesCopied: Int64
    public var metadataSize: Int
    /// The output was read back: files byte-identical, `_metadata` as planned, quick validation clean.
    public var verified: Bool
    public var seconds: Double
    public var warnings: [String] = []

    /// Fills each operator's entries read and kept from the pipeline's tallies.
    mutating func addEntries(_ pipeline: KeyedPipeline, _ changes: [OperatorChange]) {
        for (k, change) in changes.enumerated() {
            guard let tally = pipeline.tallies[change.finalID], !tally.read.isEmpty else {
                // Re-keyed without other stages (nothing tallied): every entry read is kept (moved).
                let moved = pipeline.rekeyings?.entriesPerState(operator: change.finalID) ?? [:]
                if !moved.isEmpty {
                    operators[k].entries = moved.keys.sorted().map { StateEntries(state: $0, renamedTo: nil, read: moved[$0]!, kept: moved[$0]!) }
                }
                continue
            }
            let elements = pipeline.stages[change.finalID]?.lazy.compactMap { $0 as? TTLPurgeStage }.first?.elementsDropped.byState ?? [:]
            operators[k].entries = tally.read.keys.sorted().map { name in
                let renamed = change.stateRenames[name]
                let kept = change.droppedStates.contains(name) ? 0 : tally.kept[renamed ?? name] ?? 0
                // Every upserted line replaced or inserted its entry once (else the rewrite failed).
                let upserted = change.upserts[name].map { Array($0.values) } ?? []
                let replaced = upserted.filter { $0.matches.replaced($0.line) }.count
                var entries = StateEntries(state: name, renamedTo: renamed, read: tally.read[name] ?? 0, kept: kept,
                                           replaced: replaced == 0 ? nil : Int64(replaced),
                                           inserted: upserted.count == replaced ? nil : Int64(upserted.count - replaced))
                entries.elementsDropped = elements[name]
                return entries
            }
        }
    }
}
