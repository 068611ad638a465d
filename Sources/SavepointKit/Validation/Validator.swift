import FlinkSerialization
import SavepointMetadata

/// `savepoint validate`: is this savepoint intact and complete, before a restore finds out?
///
/// Quick checks read `_metadata` and file sizes only; deep checks also decode every entry with its
/// serializer. Problems become findings, never thrown errors: a damaged savepoint gets a complete
/// list, not the first complaint. Deep checks stream one key group at a time.
public struct Validator {
    public struct Options: Sendable {
        public var deep: Bool
        /// At most this many findings of one kind per operator and state are listed (the rest counted).
        public var limitPerCheck: Int
        /// Deep checks run this many parts side by side (nil: one per core); the report is the same.
        public var jobs: Int?
        /// `--subtasks`: check only these subtasks of each operator, and list only their findings
        /// (savepoint-wide ones in the shard holding subtask 0; see `SubtaskShard`).
        public var shard: SubtaskShard?
        public init(deep: Bool = false, limitPerCheck: Int = 20, jobs: Int? = nil, shard: SubtaskShard? = nil) {
            self.deep = deep
            self.limitPerCheck = limitPerCheck
            self.jobs = jobs
            self.shard = shard
        }
    }

    public let savepoint: Savepoint
    public let options: Options
    var log: FindingLog
    var checked = ValidationReport.Checked()
    /// Resolved paths already reported missing, too small or unsafe: deep checks skip streams in them.
    var badPaths: Set<String> = []
    /// The last key whose key group was recomputed: map and list entries repeat their key, and
    /// one finding per key (not per entry) says it.
    var lastHashedKey: (key: Value, keyGroup: Int)?
    /// The same for keys hashed from their bytes (`checkKeyBytes`).
    var lastKeyBytes = LastKeyBytes()
    /// Reused by the deep checks to render entries into (`checkEntry`).
    var scratch: [UInt8] = []
    /// Whether RocksDB entries of the commonest serializers are checked by `InPlaceEntryCheck`
    /// (false: every entry takes the general path; tests compare the two).
    var inPlaceEntryChecks = true

    public init(savepoint: Savepoint, options: Options = Options()) {
        self.savepoint = savepoint
        self.options = options
        log = FindingLog(limitPerCheck: options.limitPerCheck, shard: options.shard)
    }

    /// Whether this run checks the subtask (nil: a savepoint-wide part).
    func checks(subtask: Int?) -> Bool { options.shard?.holds(subtask) ?? true }

    /// Runs the quick checks, then the deep ones if asked.
    public func run() -> ValidationReport {
        var v = self
        if options.deep { ParallelJobs.startThreads() }
        v.checkOperators()
        v.checkKeyGroupCoverage()
        v.checkHandleTypes()
        v.checkLSMHandles()
        v.checkStreams()
        if options.deep {
            v.checkKeyedStateDeeply()
            v.checkOperatorStateDeeply()
        }
        return ValidationReport(path: savepoint.path, deep: options.deep, findings: v.log.findings, checked: v.checked)
    }

    /// Opens and validates `path` (a savepoint directory, its `_metadata`, or a `chk-N` directory).
    /// Throws only when `_metadata` itself cannot be read.
    public static func validate(
        _ path: String, deep: Bool = false, allowExternalPaths: Bool = false
    ) throws -> ValidationReport {
        let savepoint = try Savepoint.open(path, allowExternalPaths: allowExternalPaths)
        return Validator(savepoint: savepoint, options: Options(deep: deep)).run()
    }

    // MARK: locations

    func location(_ op: OperatorState, subtask: Int? = nil, state: String? = nil, keyGroup: Int? = nil,
                  file: String? = nil, offset: Int? = nil) -> FindingLocation {
        FindingLocation(operatorUid: op.uid, operatorId: op.operatorID.hex, state: state, subtask: subtask,
                        keyGroup: keyGroup, file: file, offset: offset)
    }

    var metadataPath: String { savepoint.metadataPath }
}

extension OperatorState {
    /// "operator counter" or "operator 0da08f…" for messages.
    var label: String { "operator \(displayName)" }

    /// Subtasks that hold state, in file order.
    var presentSubtasks: [(index: Int, state: OperatorSubtaskState)] {
        subtaskStates.compactMap { entry in entry.state.map { (entry.subtaskIndex, $0) } }
    }
}
